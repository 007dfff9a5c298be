using System.Globalization;
using Kasparro.Data.Entities;

namespace Kasparro.Ingestion.Quality;

/// <summary>What <see cref="SchemaDriftDetector"/> found in one payload or header.</summary>
public sealed class DriftFindings
{
    /// <summary>A payload that matches its field set exactly.</summary>
    public static readonly DriftFindings None = new([]);

    public DriftFindings(IReadOnlyList<DriftObservation> observations)
    {
        Observations = observations;
        MissingRequired = observations.Where(o => o.Kind == DriftKinds.MissingRequired).Select(o => o.Field).ToList();
    }

    public IReadOnlyList<DriftObservation> Observations { get; }

    /// <summary>Expected required fields absent from the payload: the record must be quarantined.</summary>
    public IReadOnlyList<string> MissingRequired { get; }

    public bool HasMissingRequired => MissingRequired.Count > 0;

    /// <summary>
    /// A quarantine reason, e.g. "missing required field 'current_price' (a field 'currentPrice' looks like it was renamed
    /// from it, confidence 0.95)"; empty when nothing required is missing.
    /// </summary>
    public string DescribeMissingRequired() => string.Join("; ", Observations
        .Where(o => o.Kind == DriftKinds.MissingRequired)
        .Select(o => o.Suggestion is null
            ? $"missing required field '{o.Field}'"
            : string.Create(CultureInfo.InvariantCulture,
                $"missing required field '{o.Field}' (a field '{o.Suggestion}' looks like it was renamed from it, confidence {o.Confidence:0.00})")));
}
