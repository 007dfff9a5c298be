namespace Kasparro.Contracts;

/// <summary>The most recent ETL run as <c>GET /health</c> reports it.</summary>
public sealed record LastEtlRun(
    long Id,
    string Source,
    string Status,
    DateTime StartedAt,
    DateTime? FinishedAt,
    int Fetched,
    int Inserted,
    int Updated,
    int Unchanged,
    int Quarantined);

/// <summary>
/// The <c>GET /health</c> body: <c>ok</c>/<c>connected</c> or <c>unavailable</c>/<c>disconnected</c>, and each source's freshness
/// against its targets (detail only: it does not change the status).
/// </summary>
public sealed record ServiceHealth(string Status, string Database, LastEtlRun? LastEtlRun, IReadOnlyDictionary<string, SourceFreshness>? Freshness = null);

/// <summary>Links of an accepted trigger.</summary>
public sealed record TriggerLinks(string Runs);

/// <summary>The 202 body of <c>POST /trigger-etl</c>.</summary>
public sealed record TriggerAccepted(string TriggerId, string Status, IReadOnlyList<string> Sources, DateTime RequestedAt, TriggerLinks Links);

/// <summary>The 409 problem of <c>POST /trigger-etl</c>, with the run in progress (null when only queued).</summary>
public sealed record TriggerConflict(string Title, string Detail, int Status, RunItem? RunningRun);
