namespace Kasparro.Ingestion.Upstream;

/// <summary>
/// Counters of the run in progress on this async flow, so the HTTP pipeline can attribute requests and
/// retries to the run that made them (several sources run concurrently).
/// </summary>
public sealed class RunScope
{
    private static readonly AsyncLocal<RunScope?> CurrentScope = new();
    private int _requests;
    private int _retries;

    public static RunScope? Current => CurrentScope.Value;

    public int Requests => _requests;
    public int Retries => _retries;

    /// <summary>Makes a new scope current for the calling flow and everything it awaits.</summary>
    public static RunScope Begin()
    {
        var scope = new RunScope();
        CurrentScope.Value = scope;
        return scope;
    }

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void CountRetry() => Interlocked.Increment(ref _retries);
}
