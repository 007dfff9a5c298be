namespace Kasparro.Data.Entities;

/// <summary>One firing of a rule for one subject (an asset id or a source), open until its condition clears.</summary>
public class Alert
{
    public long Id { get; set; }
    public long RuleId { get; set; }
    /// <summary>What the alert is about: an asset id (divergence, price_move) or a source (stale, run_failed).</summary>
    public required string Subject { get; set; }
    /// <summary><c>open</c> or <c>resolved</c> (<see cref="AlertStates"/>).</summary>
    public required string State { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    /// <summary>When the webhook last accepted an event of this alert.</summary>
    public DateTimeOffset? LastNotifiedAt { get; set; }
    /// <summary>The measurements that fired it (jsonb), as sent in the webhook body.</summary>
    public required string Details { get; set; }
}

/// <summary>States of an <see cref="Alert"/>.</summary>
public static class AlertStates
{
    public const string Open = "open";
    public const string Resolved = "resolved";
}
