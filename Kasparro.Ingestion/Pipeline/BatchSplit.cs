using Kasparro.Ingestion.Sources;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>
/// A batch split as the writer needs it, made on the reading thread (<see cref="BatchReadAhead"/>) so that it overlaps
/// the previous batch's write instead of adding to it: the accepted and rejected records, and per source id the values
/// its asset is resolved from (the largest market cap, the first of equals) and its newest observation.
/// </summary>
public sealed class BatchSplit
{
    private BatchSplit(int capacity)
    {
        Accepted = new List<SourceRecord>(capacity);
    }

    public List<SourceRecord> Accepted { get; }

    public List<SourceRecord> Rejected { get; } = [];

    /// <summary>Per source id, the accepted values with the largest market cap (unknown counts as -1; the first of equals).</summary>
    public Dictionary<string, MarketValues> Largest { get; } = new(StringComparer.Ordinal);

    /// <summary>Per source id, the newest accepted observation.</summary>
    public Dictionary<string, DateTimeOffset> Newest { get; } = new(StringComparer.Ordinal);

    /// <summary>Splits <paramref name="batch"/> in one pass.</summary>
    public static BatchSplit Of(SourceBatch batch)
    {
        var split = new BatchSplit(batch.Records.Count);
        foreach (var record in batch.Records)
        {
            if (record.Values is not { } values)
            {
                split.Rejected.Add(record);
                continue;
            }

            split.Accepted.Add(record);
            var sourceId = record.SourceId!;
            if (!split.Largest.TryGetValue(sourceId, out var held) || (values.MarketCapUsd ?? -1) > (held.MarketCapUsd ?? -1))
            {
                split.Largest[sourceId] = values;
            }

            if (!split.Newest.TryGetValue(sourceId, out var newest) || values.ObservedAt > newest)
            {
                split.Newest[sourceId] = values.ObservedAt;
            }
        }

        return split;
    }
}
