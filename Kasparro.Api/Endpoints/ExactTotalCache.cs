using System.Collections.Concurrent;

namespace Kasparro.Api.Endpoints;

/// <summary>
/// Remembers <c>count(*)</c> results per filter for as long as the database shows the same MVCC snapshot
/// (<c>pg_current_snapshot()</c>: xmin, xmax and the in-progress transaction ids). Two statements that see the same
/// snapshot see exactly the same committed rows, so a count stored under a snapshot is still the exact count for any
/// later statement that reports the same snapshot; any commit or new writing transaction anywhere in the cluster
/// changes the snapshot and drops every stored count. Totals stay exact; only the repeated scans go.
/// </summary>
public sealed class ExactTotalCache
{
    /// <summary>Filters remembered per snapshot; beyond this new filters are counted every time until the next snapshot.</summary>
    public const int MostFilters = 1_024;

    private Generation _current = new("", new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
    private long _computed;

    /// <summary>How many totals were counted in the database rather than taken from the cache (for tests and diagnostics).</summary>
    public long Computed => Interlocked.Read(ref _computed);

    /// <summary>Whether the newest known snapshot holds a total for <paramref name="filter"/> (then the caller can skip counting ahead).</summary>
    public bool ProbablyHas(string filter) => Volatile.Read(ref _current).Totals.ContainsKey(filter);

    /// <summary>The total counted under exactly <paramref name="snapshot"/>, if there is one.</summary>
    public bool TryGet(string filter, string snapshot, out long total)
    {
        var generation = Volatile.Read(ref _current);
        total = 0;
        return generation.Snapshot == snapshot && generation.Totals.TryGetValue(filter, out total);
    }

    /// <summary>Stores a total counted by a statement that saw <paramref name="snapshot"/>.</summary>
    public void Store(string filter, string snapshot, long total)
    {
        Interlocked.Increment(ref _computed);
        var generation = Volatile.Read(ref _current);
        if (generation.Snapshot != snapshot)
        {
            // The newest report wins; a slower request holding an older snapshot costs at most one more count.
            generation = new Generation(snapshot, new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
            Volatile.Write(ref _current, generation);
        }

        if (generation.Totals.Count < MostFilters)
        {
            generation.Totals[filter] = total;
        }
    }

    private sealed record Generation(string Snapshot, ConcurrentDictionary<string, long> Totals);
}
