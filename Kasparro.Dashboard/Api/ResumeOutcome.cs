namespace Kasparro.Dashboard.Api;

/// <summary>What came of pressing "Resume": whether the source runs again, and a message a person can act on.</summary>
public sealed record ResumeOutcome(bool Resumed, string Message);
