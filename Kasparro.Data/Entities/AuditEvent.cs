namespace Kasparro.Data.Entities;

/// <summary>One security-relevant act: who did what to which target, and whether it went through.</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>Who acted: <c>dashboard:alice</c>, <c>api-key:ci-reporting</c>, <c>scheduler</c>, <c>cli:root</c>.</summary>
    public required string Actor { get; set; }
    /// <summary>What was done, e.g. <c>etl.trigger</c>, <c>api_key.create</c> (see <see cref="AuditActions"/>).</summary>
    public required string Action { get; set; }
    /// <summary>What it was done to (a source, a key id, a rule id).</summary>
    public string? Target { get; set; }
    /// <summary><c>success</c> or <c>failure</c>.</summary>
    public required string Outcome { get; set; }
    /// <summary>Anything else worth reading later; never a secret.</summary>
    public string? Detail { get; set; }
}

/// <summary>The audited actions.</summary>
public static class AuditActions
{
    public const string EtlTrigger = "etl.trigger";
    public const string KeyCreated = "api_key.create";
    public const string KeyRevoked = "api_key.revoke";
    public const string AlertRuleCreate = "alert_rule.create";
    public const string AlertRuleDelete = "alert_rule.delete";
    public const string SourceResume = "source.resume";
    /// <summary>History retention dropped a whole monthly partition (target: its name; actor <c>retention</c>).</summary>
    public const string HistoryPartitionDrop = "history.partition_drop";
}

/// <summary>Outcomes of an <see cref="AuditEvent"/>.</summary>
public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
}
