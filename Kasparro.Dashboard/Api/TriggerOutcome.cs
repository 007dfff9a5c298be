namespace Kasparro.Dashboard.Api;

/// <summary>What came of pressing "Run now".</summary>
public enum TriggerOutcomeKind
{
    Accepted,
    AlreadyRunning,
    Unauthorized,
    Refused,
    NotConfigured,
    Failed,
}

/// <summary>The result of <c>POST /trigger-etl</c>, as a message a person can act on.</summary>
public sealed record TriggerOutcome(TriggerOutcomeKind Kind, string Message, string? TriggerId = null);
