namespace Kasparro.Ingestion.Quality;

/// <summary>Counts drift observations over one run so that each distinct drift is written (and logged) once, not once per record.</summary>
public sealed class DriftAccumulator
{
    private readonly Dictionary<(string Field, string Kind), (DriftObservation Observation, long Count)> items = [];

    /// <summary>Distinct (field, kind) pairs held.</summary>
    public int Count => items.Count;

    public void Add(DriftFindings findings) => Add(findings, 1);

    /// <summary>Counts <paramref name="findings"/> for <paramref name="records"/> records at once (a CSV batch shares its file's header).</summary>
    public void Add(DriftFindings findings, long records)
    {
        if (records <= 0)
        {
            return;
        }

        foreach (var observation in findings.Observations)
        {
            var key = (observation.Field, observation.Kind);
            items[key] = items.TryGetValue(key, out var held)
                // The first suggestion seen wins within a run, so the stored one does not flap between records.
                ? (held.Observation.Suggestion is null ? observation : held.Observation, held.Count + records)
                : (observation, records);
        }
    }

    /// <summary>Returns what was accumulated (ordered by kind, then field) and starts over.</summary>
    public IReadOnlyCollection<(DriftObservation Observation, long Count)> Drain()
    {
        var drained = items.Values
            .OrderBy(i => i.Observation.Kind, StringComparer.Ordinal)
            .ThenBy(i => i.Observation.Field, StringComparer.Ordinal)
            .ToList();
        items.Clear();
        return drained;
    }
}
