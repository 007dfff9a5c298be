using System.Collections.Concurrent;

namespace Kasparro.Api.MarketData;

/// <summary>
/// Remembers <c>count(*)</c> results per filter for as long as the database shows the same MVCC snapshot
/// (<c>pg_current_snapshot()</c>: xmin, xmax and the in-progress transaction ids). Two statements that see the same
/// snapshot see exactly the same committed rows, so a count stored under a snapshot is still the exact count for any
/// later statement that reports the same snapshot; any commit or new writing transaction anywhere in the cluster
/// changes the snapshot and drops every stored count. Totals stay exact; only the repeated scans go.
/// After a commit, the requests that find no total for their snapshot share one count instead of each running it
/// (concurrent counts after every ETL commit set the p99 of <c>/data</c>; docs/performance.md, Read path).
/// </summary>
public sealed class ExactTotalCache
{
    /// <summary>Filters remembered per snapshot; beyond this new filters are counted every time until the next snapshot.</summary>
    public const int MostFilters = 1_024;

    private Generation _current = new("", new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
    private readonly ConcurrentDictionary<string, Lazy<Task<long>>> _counting = new(StringComparer.Ordinal);
    private long _computed;

    /// <summary>How many totals were counted in the database rather than taken from the cache (for tests and diagnostics).</summary>
    public long Computed => Interlocked.Read(ref _computed);

    /// <summary>
    /// The total for <paramref name="filter"/> as of <paramref name="snapshot"/> or later: from the cache, else from
    /// <paramref name="count"/> (which returns the snapshot its own statement saw), run once for all requests asking
    /// about the same filter and snapshot at the same time.
    /// </summary>
    public async Task<long> GetOrCountAsync(
        string filter, string snapshot, Func<Task<(string Snapshot, long Total)>> count, CancellationToken cancellationToken)
    {
        if (TryGet(filter, snapshot, out var total))
        {
            return total;
        }

        var key = string.Concat(filter, "\u001e", snapshot);
        var shared = _counting.GetOrAdd(key, _ => new Lazy<Task<long>>(() => CountAndStoreAsync(key, filter, count)));
        return await shared.Value.WaitAsync(cancellationToken);
    }

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

    private async Task<long> CountAndStoreAsync(string key, string filter, Func<Task<(string Snapshot, long Total)>> count)
    {
        try
        {
            var (snapshot, total) = await count();
            Store(filter, snapshot, total);
            return total;
        }
        finally
        {
            _counting.TryRemove(key, out _);
        }
    }

    private sealed record Generation(string Snapshot, ConcurrentDictionary<string, long> Totals);
}
