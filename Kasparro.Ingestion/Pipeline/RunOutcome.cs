using Kasparro.Data.Entities;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>How a requested run ended. <see cref="Status"/> is an <see cref="EtlRunStatus"/>, or <c>refused</c> when the source was busy.</summary>
public sealed record RunOutcome(string Source, long? RunId, string Status, string? Error, BatchCounts Counts)
{
    public const string Refused = "refused";

    /// <summary>The source is paused (breaking drift under <c>OnDrift = pause</c>) until an operator resumes it.</summary>
    public const string Paused = "paused";

    public bool Succeeded => Status is EtlRunStatus.Success or EtlRunStatus.Partial;
}
