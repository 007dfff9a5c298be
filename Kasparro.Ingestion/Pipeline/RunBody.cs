namespace Kasparro.Ingestion.Pipeline;

/// <summary>How the body of a run says it went: an <see cref="Kasparro.Data.Entities.EtlRunStatus"/> and, unless it succeeded, why.</summary>
public readonly record struct RunVerdict(string Status, string? Error);

/// <summary>
/// What a run may say before its start row is written: start, recording <see cref="Trigger"/>, or refuse with a
/// <see cref="RunOutcome"/> status (e.g. <see cref="RunOutcome.Paused"/>) and the reason.
/// </summary>
public sealed record RunAdmission(string Trigger, string? RefusedStatus = null, string? Reason = null)
{
    public static RunAdmission Start(string trigger) => new(trigger);

    public static RunAdmission Refuse(string status, string reason) => new("", status, reason);
}

/// <summary>
/// The part of a run that differs between a snapshot and a backfill, handed to <see cref="RunLifecycle"/>, which
/// owns everything around it. <see cref="ExecuteAsync"/> reads, writes (through <see cref="RunContext.CommitBatchAsync"/>)
/// and says how the run went; it throws to fail the run.
/// </summary>
public sealed record RunBody(string Source, Func<RunContext, CancellationToken, Task<RunVerdict>> ExecuteAsync)
{
    /// <summary>The trace span the run opens.</summary>
    public string ActivityName { get; init; } = "etl.run";

    /// <summary>Asked while holding the source's lock, before the start row: whether to start, and the trigger to record.</summary>
    public Func<string, CancellationToken, Task<RunAdmission>> AdmitAsync { get; init; } = (trigger, _) => Task.FromResult(RunAdmission.Start(trigger));

    /// <summary>
    /// A failed (<c>cancelled</c> false) or cancelled run's error with where the body stood when it stopped, e.g. how
    /// many assets a backfill had done.
    /// </summary>
    public Func<string, bool, string> WithProgress { get; init; } = (error, _) => error;
}
