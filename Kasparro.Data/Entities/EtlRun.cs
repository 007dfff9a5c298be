namespace Kasparro.Data.Entities;

/// <summary>One run of one source, with the counts that account for every record it fetched.</summary>
public class EtlRun
{
    public long Id { get; set; }
    public required string Source { get; set; }
    /// <summary>One of <see cref="EtlRunStatus"/>.</summary>
    public required string Status { get; set; }
    /// <summary>
    /// What started it: <c>schedule</c>, <c>manual</c> (the scheduler token), who asked through the API
    /// (<c>api-key:NAME</c>, <c>dashboard:USER</c>), <c>cli</c>, or <c>full-refresh</c> for a run that forgot its checkpoints first.
    /// </summary>
    public required string Trigger { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public long? DurationMs { get; set; }
    public int Fetched { get; set; }
    public int Inserted { get; set; }
    public int Updated { get; set; }
    public int Unchanged { get; set; }
    public int Quarantined { get; set; }
    public int Requests { get; set; }
    public int Retries { get; set; }
    public string? ErrorMessage { get; set; }
    /// <summary>The id a <c>POST /trigger-etl</c> answered with, when the run was asked for through the API.</summary>
    public string? TriggerId { get; set; }
    /// <summary>Which process ran it (host name and process id), for multi-replica diagnosis.</summary>
    public string? Worker { get; set; }
}

/// <summary>Statuses of an <see cref="EtlRun"/>.</summary>
public static class EtlRunStatus
{
    public const string Running = "running";
    public const string Success = "success";
    public const string Partial = "partial";
    public const string Failed = "failed";
}
