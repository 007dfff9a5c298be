using Kasparro.Contracts;

namespace Kasparro.Ingestion.Quality;

/// <summary>Severity of a drift observation, as stored in <c>schema_drift_events.severity</c>.</summary>
public static class DriftSeverity
{
    public const string Critical = "critical";
    public const string Warning = "warning";
    public const string Info = "info";
}

/// <summary>One way a payload differs from its <see cref="FieldSet"/>.</summary>
/// <param name="Field">The field concerned; for <c>renamed</c>, the new name seen in the payload.</param>
/// <param name="Kind">One of <see cref="DriftKinds"/>.</param>
/// <param name="Severity">One of <see cref="DriftSeverity"/>.</param>
/// <param name="Suggestion">For <c>renamed</c>, the expected field it replaces; for a missing field, the payload field that looks like its new name.</param>
/// <param name="Confidence">0..1, how alike the two names are; set whenever <paramref name="Suggestion"/> is.</param>
public sealed record DriftObservation(string Field, string Kind, string Severity, string? Suggestion, decimal? Confidence);
