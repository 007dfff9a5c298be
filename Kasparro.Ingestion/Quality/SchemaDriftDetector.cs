using System.Runtime.CompilerServices;
using System.Text.Json;
using F23.StringSimilarity;
using Kasparro.Contracts;
using Kasparro.Data.Entities;

namespace Kasparro.Ingestion.Quality;

/// <summary>
/// Compares a payload's fields with the expected <see cref="FieldSet"/>: missing required (critical), missing optional
/// (warning), unknown (info) and renamed (a new field whose name is close to a missing one). Stateless and thread-safe.
/// </summary>
public sealed class SchemaDriftDetector
{
    /// <summary>Below this similarity a new field and a missing one are reported separately, not as a rename.</summary>
    public const double RenameThreshold = 0.75;

    // Same letters once case, '_' and '-' are ignored (current_price / currentPrice): nearly certain, but still a guess.
    private const double SameLettersConfidence = 0.95;
    // Any other edit keeps the score below that, so an exact letter match always ranks first.
    private const double MaxEditConfidence = 0.94;

    private static readonly NormalizedLevenshtein Levenshtein = new();
    private static readonly ConditionalWeakTable<FieldSet, ExpectedFields> Compiled = [];

    /// <summary>Checks one JSON object; nested objects are walked as dotted paths, arrays and values are leaves.</summary>
    public DriftFindings Inspect(JsonElement payload, FieldSet fields)
    {
        var expected = Compiled.GetValue(fields, f => new ExpectedFields(f));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        if (payload.ValueKind == JsonValueKind.Object)
        {
            Walk(payload, "", expected, seen, unknown);
        }

        return Compare(expected, seen, unknown);
    }

    /// <summary>Checks a CSV header (names already lower-case and trimmed).</summary>
    public DriftFindings InspectHeader(IReadOnlyList<string> header, FieldSet fields)
    {
        var expected = Compiled.GetValue(fields, f => new ExpectedFields(f));
        var seen = new HashSet<string>(header, StringComparer.Ordinal);
        var unknown = header.Where(h => h.Length > 0 && !expected.All.Contains(h)).Distinct(StringComparer.Ordinal).ToList();
        return Compare(expected, seen, unknown);
    }

    /// <summary>How alike two field names are, 0..1: 0.95 when only case, '_' or '-' differ; otherwise from the edit distance.</summary>
    public static decimal NameSimilarity(string seenField, string expectedField)
    {
        var (seenParent, seenLeaf) = SplitParent(seenField);
        var (expectedParent, expectedLeaf) = SplitParent(expectedField);
        // Under the same parent only the last segment is compared, so a long shared prefix does not inflate the score.
        var (a, b) = Squash(seenParent) == Squash(expectedParent)
            ? (Squash(seenLeaf), Squash(expectedLeaf))
            : (Squash(seenField), Squash(expectedField));
        var score = a == b ? SameLettersConfidence : Math.Min(MaxEditConfidence, Levenshtein.Similarity(a, b));
        return Math.Round((decimal)score, 3, MidpointRounding.AwayFromZero);
    }

    private static void Walk(JsonElement element, string prefix, ExpectedFields expected, HashSet<string> seen, List<string> unknown)
    {
        foreach (var property in element.EnumerateObject())
        {
            var path = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
            if (!seen.Add(path) || expected.All.Contains(path))
            {
                // An expected field is a leaf even when it holds an object (roi): its inside is not our schema.
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Object && property.Value.EnumerateObject().Any())
            {
                Walk(property.Value, path, expected, seen, unknown);
            }
            else if (!expected.Containers.Contains(path))
            {
                // A container we expect (quotes) that arrives as null or {} is not unknown: its fields are reported missing.
                unknown.Add(path);
            }
        }
    }

    private static DriftFindings Compare(ExpectedFields expected, HashSet<string> seen, List<string> unknown)
    {
        var missing = expected.Ordered.Where(f => !seen.Contains(f.Field)).ToList();
        if (missing.Count == 0 && unknown.Count == 0)
        {
            return DriftFindings.None;
        }

        var renames = MatchRenames(missing.Select(m => m.Field).ToList(), unknown);
        var observations = new List<DriftObservation>(missing.Count + unknown.Count);
        foreach (var (field, required) in missing)
        {
            var rename = renames.FirstOrDefault(r => r.Expected == field);
            observations.Add(new DriftObservation(
                field,
                required ? DriftKinds.MissingRequired : DriftKinds.MissingOptional,
                required ? DriftSeverity.Critical : DriftSeverity.Warning,
                rename.Seen,
                rename.Seen is null ? null : rename.Confidence));
        }

        foreach (var field in unknown.Order(StringComparer.Ordinal))
        {
            var rename = renames.FirstOrDefault(r => r.Seen == field);
            observations.Add(rename.Seen is null
                ? new DriftObservation(field, DriftKinds.Unknown, DriftSeverity.Info, null, null)
                : new DriftObservation(field, DriftKinds.Renamed, DriftSeverity.Warning, rename.Expected, rename.Confidence));
        }

        return new DriftFindings(observations);
    }

    // Greedy one-to-one pairing, best score first; ties broken by name so the result never depends on payload order.
    private static List<(string Seen, string Expected, decimal Confidence)> MatchRenames(List<string> missing, List<string> unknown)
    {
        var pairs = new List<(string Seen, string Expected, decimal Confidence)>();
        if (missing.Count == 0 || unknown.Count == 0)
        {
            return pairs;
        }

        var candidates = (
                from seen in unknown
                from expected in missing
                let confidence = NameSimilarity(seen, expected)
                where confidence >= (decimal)RenameThreshold
                select (Seen: seen, Expected: expected, Confidence: confidence))
            .OrderByDescending(c => c.Confidence)
            .ThenBy(c => c.Expected, StringComparer.Ordinal)
            .ThenBy(c => c.Seen, StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            if (pairs.All(p => p.Seen != candidate.Seen && p.Expected != candidate.Expected))
            {
                pairs.Add(candidate);
            }
        }

        return pairs;
    }

    private static (string Parent, string Leaf) SplitParent(string path)
    {
        var dot = path.LastIndexOf('.');
        return dot < 0 ? ("", path) : (path[..dot], path[(dot + 1)..]);
    }

    private static string Squash(string name) =>
        string.Concat(name.Where(c => c is not ('_' or '-'))).ToLowerInvariant();

    private sealed class ExpectedFields
    {
        public ExpectedFields(FieldSet fields)
        {
            Ordered = fields.Required.Select(f => (f, true)).Concat(fields.Optional.Select(f => (f, false))).ToList();
            All = new HashSet<string>(Ordered.Select(f => f.Field), StringComparer.Ordinal);
            Containers = new HashSet<string>(
                All.SelectMany(f => f.Split('.').SkipLast(1).Select((_, i) => string.Join('.', f.Split('.').Take(i + 1)))),
                StringComparer.Ordinal);
        }

        public List<(string Field, bool Required)> Ordered { get; }

        public HashSet<string> All { get; }

        /// <summary>Parents of nested expected fields (quotes, quotes.USD).</summary>
        public HashSet<string> Containers { get; }
    }
}
