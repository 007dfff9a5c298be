using System.Buffers;
using System.Text.Json;

namespace Kasparro.Api.History;

/// <summary>
/// Whole UTC days of an asset's raw points, rendered once per source as the history's point objects, with where each
/// point's JSON ends. A raw history request inside those days is cut from it: a source's points in [from, to) are one
/// run of its points (they are in time order), copied as they are, and only the head with the request's own from and to
/// is written per request. Raw ranges usually end "now", to the microsecond, so a whole response is never asked twice;
/// the days it covers are, until the asset's history changes (<see cref="HistoryCache"/>).
/// </summary>
public sealed class HistoryRawWindow : IHistoryCacheEntry
{
    /// <summary>The window's unit: the requested range widened to whole UTC days.</summary>
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private readonly RenderedSource[] _sources;

    private HistoryRawWindow(RenderedSource[] sources) => _sources = sources;

    /// <summary>
    /// One source's points: <see cref="Json"/> is <c>[</c> then the point objects separated by commas (no closing
    /// bracket); point i ends at <see cref="Ends"/>[i] and was observed at <see cref="Ticks"/>[i].
    /// </summary>
    private sealed record RenderedSource(string Name, byte[] Json, long[] Ticks, int[] Ends)
    {
        /// <summary>Where point <paramref name="index"/> starts: after the bracket, or after the comma that ends the one before.</summary>
        public int StartOf(int index) => index == 0 ? 1 : Ends[index - 1] + 1;
    }

    /// <inheritdoc />
    public long Size => _sources.Sum(source => source.Json.Length + source.Ticks.Length * (sizeof(long) + sizeof(int)) + 64L);

    /// <summary>A window is kept as it is.</summary>
    public IHistoryCacheEntry? ToKeep() => this;

    /// <summary>Renders <paramref name="series"/> (one per source, in source order, each in time order), then returns the rows to their pool.</summary>
    public static HistoryRawWindow Render(IReadOnlyList<HistoryRows> series)
    {
        try
        {
            var sources = new RenderedSource[series.Count];
            for (var s = 0; s < series.Count; s++)
            {
                var rows = series[s].Rows;
                var (ticks, ends) = (new long[rows.Length], new int[rows.Length]);
                var buffer = new ArrayBufferWriter<byte>(16 + rows.Length * 128);
                using (var json = new Utf8JsonWriter(buffer))
                {
                    // The same writer calls as a whole response's points (HistoryDocument.WritePoint), so the text is the same.
                    json.WriteStartArray();
                    for (var i = 0; i < rows.Length; i++)
                    {
                        HistoryDocument.WritePoint(json, rows[i]);
                        json.Flush();
                        (ticks[i], ends[i]) = (rows[i].T.Ticks, buffer.WrittenCount);
                    }
                }

                sources[s] = new RenderedSource(series[s].Source, buffer.WrittenSpan.ToArray(), ticks, ends);
            }

            return new HistoryRawWindow(sources);
        }
        finally
        {
            foreach (var rows in series)
            {
                rows.Dispose();
            }
        }
    }

    /// <summary>
    /// The response for the points in [<paramref name="from"/>, <paramref name="to"/>), a range inside the window: the
    /// JSON <see cref="HistoryDocument.Render"/> writes for the same rows (sources without points there left out, as a
    /// read of the range leaves them out), as the window's runs of points between a few bytes written per request.
    /// </summary>
    public HistoryRawCut Cut(string assetId, DateTime from, DateTime to, string interval)
    {
        // The writer writes the glue around the runs: each run's place in its points array holds a one-byte stand-in
        // value (the array's only value, so the writer puts no separator before it), cut out below.
        var glue = new ArrayBufferWriter<byte>(256 + _sources.Length * 64);
        var runs = new List<(int At, ReadOnlyMemory<byte> Points)>(_sources.Length);
        using (var json = new Utf8JsonWriter(glue))
        {
            HistoryDocument.WriteHead(json, assetId, from, to, interval);
            foreach (var source in _sources)
            {
                var (first, last) = (FirstAtOrAfter(source.Ticks, from.Ticks), FirstAtOrAfter(source.Ticks, to.Ticks));
                if (first == last)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("source", source.Name);
                json.WriteStartArray("points");
                json.Flush();
                var start = source.StartOf(first);
                runs.Add((glue.WrittenCount, source.Json.AsMemory(start, source.Ends[last - 1] - start)));
                json.WriteRawValue("0"u8, skipInputValidation: true);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var written = glue.WrittenMemory;
        var parts = new List<ReadOnlyMemory<byte>>(runs.Count * 2 + 1);
        var after = 0;
        foreach (var (at, points) in runs)
        {
            parts.Add(written[after..at]);
            parts.Add(points);
            after = at + 1;
        }

        parts.Add(written[after..]);
        return new HistoryRawCut(parts);
    }

    /// <summary>The index of the first of the ascending <paramref name="ticks"/> at or after <paramref name="at"/> (their length if none).</summary>
    private static int FirstAtOrAfter(long[] ticks, long at)
    {
        var (low, high) = (0, ticks.Length);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (ticks[middle] < at)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
