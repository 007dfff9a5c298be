using System.Buffers;

namespace Kasparro.Api.History;

/// <summary>One point of a series as it is held between reading and writing: a struct, no object per point.</summary>
public readonly record struct HistoryRow(DateTime T, decimal PriceUsd, decimal? MarketCapUsd, decimal? Volume24hUsd);

/// <summary>
/// One source's points in a pooled array. A year hourly is 8,760 points per source: as objects in lists they would be
/// megabytes of garbage per request, much of it on the large object heap, and under load the API would spend its time in
/// gen2 collections (docs/performance.md, Read path).
/// </summary>
public sealed class HistoryRows(string source) : IDisposable
{
    private HistoryRow[] _rows = ArrayPool<HistoryRow>.Shared.Rent(256);

    public string Source { get; } = source;
    public int Count { get; private set; }

    public HistoryRow Last => _rows[Count - 1];

    public ReadOnlySpan<HistoryRow> Rows => _rows.AsSpan(0, Count);

    public void Add(in HistoryRow row)
    {
        if (Count == _rows.Length)
        {
            var larger = ArrayPool<HistoryRow>.Shared.Rent(_rows.Length * 2);
            Rows.CopyTo(larger);
            ArrayPool<HistoryRow>.Shared.Return(_rows);
            _rows = larger;
        }

        _rows[Count++] = row;
    }

    public void ReplaceLast(in HistoryRow row) => _rows[Count - 1] = row;

    public void Dispose()
    {
        ArrayPool<HistoryRow>.Shared.Return(_rows);
        _rows = [];
        Count = 0;
    }
}
