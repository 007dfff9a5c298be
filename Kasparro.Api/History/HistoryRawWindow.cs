using System.Buffers;
using System.IO.Compression;
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
    /// read of the range leaves them out), compressed when <paramref name="compress"/>. It is sent once, so it is
    /// compressed at the fastest level: per request, zlib's level 6 would cost several times the CPU for a few percent.
    /// </summary>
    public HistoryDocument Cut(string assetId, DateTime from, DateTime to, string interval, bool compress)
    {
        var runs = new (RenderedSource Source, int Start, int End)[_sources.Length];
        var bytes = 0;
        for (var s = 0; s < _sources.Length; s++)
        {
            var source = _sources[s];
            var (first, last) = (FirstAtOrAfter(source.Ticks, from.Ticks), FirstAtOrAfter(source.Ticks, to.Ticks));
            runs[s] = first == last ? (source, 0, 0) : (source, source.StartOf(first), source.Ends[last - 1]);
            bytes += runs[s].End - runs[s].Start;
        }

        var buffer = new ArrayBufferWriter<byte>(256 + bytes + _sources.Length * 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            HistoryDocument.WriteHead(json, assetId, from, to, interval);
            foreach (var (source, start, end) in runs)
            {
                if (start == end)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("source", source.Name);
                json.WriteStartArray("points");
                // One raw value holding the run of points (commas included): the writer puts no separator inside it.
                json.WriteRawValue(source.Json.AsSpan(start, end - start), skipInputValidation: true);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return HistoryDocument.Of(buffer.WrittenMemory, compress, CompressionLevel.Fastest);
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
