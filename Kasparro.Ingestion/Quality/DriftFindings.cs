using System.Globalization;
using Kasparro.Contracts;
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
    /// Breaking drift: every observation above <see cref="DriftSeverity.Info"/>, i.e. an expected field that is missing
    /// (required or optional) or renamed. Only new, unknown fields (info) are additive and never breaking.
    /// </summary>
    public bool IsBreaking => Observations.Any(o => IsBreakingObservation(o));

    /// <summary>Whether one observation is breaking (see <see cref="IsBreaking"/>).</summary>
    public static bool IsBreakingObservation(DriftObservation observation) => observation.Severity != DriftSeverity.Info;

    /// <summary>A readable reason naming every breaking observation, e.g. "breaking schema drift: renamed field 'totalVolume' (was 'total_volume', confidence 0.95)".</summary>
    public string DescribeBreaking() => Describe(Observations.Where(IsBreakingObservation));

    /// <summary>The words for a list of breaking observations.</summary>
    public static string Describe(IEnumerable<DriftObservation> observations)
    {
        var list = observations.ToList();
        // A missing field that a rename explains is said once, by the rename.
        var explained = list.Where(o => o.Kind == DriftKinds.Renamed).Select(o => o.Suggestion).ToHashSet(StringComparer.Ordinal);
        return "breaking schema drift: " + string.Join("; ", list
            .Where(o => !(o.Kind is DriftKinds.MissingRequired or DriftKinds.MissingOptional && explained.Contains(o.Field)))
            .Select(o => o.Kind switch
        {
            DriftKinds.Renamed => string.Create(CultureInfo.InvariantCulture, $"renamed field '{o.Field}' (was '{o.Suggestion}', confidence {o.Confidence:0.00})"),
            DriftKinds.MissingRequired => $"missing required field '{o.Field}'",
            DriftKinds.MissingOptional => $"missing field '{o.Field}'",
            _ => $"{o.Kind} field '{o.Field}'",
        }));
    }

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
