namespace Kasparro.Dashboard.Api;

/// <summary>An RFC 7807 problem the API answers with on errors (plus the 409's <c>running_run</c>).</summary>
public sealed record Problem
{
    public string? Title { get; init; }
    public string? Detail { get; init; }
    public int? Status { get; init; }
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }
    public EtlRun? RunningRun { get; init; }
}
