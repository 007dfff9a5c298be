using System.Runtime.InteropServices;
using Kasparro.Ingestion.Sources;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>
/// A batch split as the writer needs it, made on the reading thread (<see cref="BatchReadAhead"/>) so that it overlaps
/// the previous batch's write instead of adding to it: the accepted and rejected records, the batch's source ids in the
/// order first read, each accepted record's place among them, and per source id the values its asset is resolved from
/// (the largest market cap, the first of equals) and its newest observation.
/// </summary>
public sealed class BatchSplit
{
    private BatchSplit(int capacity)
    {
        Accepted = new List<SourceRecord>(capacity);
        SourceOf = new int[capacity];
    }

    public List<SourceRecord> Accepted { get; }

    /// <summary>
    /// For each of <see cref="Accepted"/> (same index), the position of its source id in <see cref="SourceIds"/>: the
    /// one string-keyed lookup a row, done here; the writer then reaches a row's asset and series by position.
    /// </summary>
    public int[] SourceOf { get; }

    public List<SourceRecord> Rejected { get; } = [];

    /// <summary>The accepted records' source ids, each once, in the order first read.</summary>
    public List<string> SourceIds { get; } = [];

    /// <summary>Per source id (same index as <see cref="SourceIds"/>), the accepted values with the largest market cap (unknown counts as -1; the first of equals).</summary>
    public List<MarketValues> Largest { get; } = [];

    /// <summary>Per source id, the newest accepted observation.</summary>
    public Dictionary<string, DateTimeOffset> Newest { get; } = new(StringComparer.Ordinal);

    /// <summary>Splits <paramref name="batch"/> in one pass.</summary>
    public static BatchSplit Of(SourceBatch batch)
    {
        var split = new BatchSplit(batch.Records.Count);
        var positionOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var newest = new List<DateTimeOffset>();
        foreach (var record in batch.Records)
        {
            if (record.Values is not { } values)
            {
                split.Rejected.Add(record);
                continue;
            }

            ref var position = ref CollectionsMarshal.GetValueRefOrAddDefault(positionOf, record.SourceId!, out var seen);
            if (!seen)
            {
                position = split.SourceIds.Count;
                split.SourceIds.Add(record.SourceId!);
                split.Largest.Add(values);
                newest.Add(values.ObservedAt);
            }
            else
            {
                if ((values.MarketCapUsd ?? -1) > (split.Largest[position].MarketCapUsd ?? -1))
                {
                    split.Largest[position] = values;
                }

                if (values.ObservedAt > newest[position])
                {
                    newest[position] = values.ObservedAt;
                }
            }

            split.SourceOf[split.Accepted.Count] = position;
            split.Accepted.Add(record);
        }

        for (var i = 0; i < newest.Count; i++)
        {
            split.Newest[split.SourceIds[i]] = newest[i];
        }

        return split;
    }
}
