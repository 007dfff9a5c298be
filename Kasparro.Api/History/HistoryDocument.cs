using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace Kasparro.Api.History;

/// <summary>
/// A rendered <c>GET /assets/{id}/history</c> or <c>/candles</c> response: its JSON, gzip-compressed, and (until it is
/// cached) the JSON itself. Reading, rendering and compressing a year of hourly points costs far more CPU (numeric decoding, decimal
/// and date formatting, zlib) than sending the compressed bytes (docs/performance.md, Read path): this is why the
/// API caches documents rather than rows.
/// </summary>
public sealed class HistoryDocument : IHistoryCacheEntry
{
    private static readonly JsonEncodedText T = JsonEncodedText.Encode("t");
    private static readonly JsonEncodedText PriceUsd = JsonEncodedText.Encode("price_usd");
    private static readonly JsonEncodedText MarketCapUsd = JsonEncodedText.Encode("market_cap_usd");
    private static readonly JsonEncodedText Volume24hUsd = JsonEncodedText.Encode("volume_24h_usd");

    private static readonly ZLibCompressionOptions Compression = new() { CompressionLevel = 3 };

    private static long s_lastKept;

    private HistoryDocument(ReadOnlyMemory<byte>? json, byte[]? gzip, int jsonLength, long kept = 0)
    {
        Json = json;
        Gzip = gzip;
        JsonLength = jsonLength;
        Kept = kept;
    }

    /// <summary>The uncompressed JSON, when this document still holds it.</summary>
    public ReadOnlyMemory<byte>? Json { get; }

    /// <summary>The gzip-compressed JSON, when compressed.</summary>
    public byte[]? Gzip { get; }

    /// <summary>Length of the uncompressed JSON.</summary>
    public int JsonLength { get; }

    /// <summary>
    /// Which kept document this is: unique to each form the cache keeps (so a plain copy made from it is known to be of
    /// this very rendering, see <see cref="HistoryCache.WithPlainCopy"/>); 0 for a rendering not (yet) kept.
    /// </summary>
    public long Kept { get; }

    /// <summary>Bytes this document holds in memory.</summary>
    public long Size => (Json?.Length ?? 0) + (Gzip?.Length ?? 0);

    /// <summary>The same document holding only its compressed form (what the cache keeps); none when it is not compressed.</summary>
    public IHistoryCacheEntry? ToKeep() => Gzip is null ? null : new HistoryDocument(null, Gzip, JsonLength, Interlocked.Increment(ref s_lastKept));

    /// <summary>This document with <paramref name="json"/>, its plain JSON (a copy kept beside it), to send as it is.</summary>
    public HistoryDocument WithJson(ReadOnlyMemory<byte> json) => new(json, Gzip, JsonLength, Kept);

    /// <summary>The JSON of a document that keeps only its compressed form, inflated into one array of its exact length.</summary>
    public byte[] Inflate()
    {
        var json = new byte[JsonLength];
        using var inflated = new GZipStream(new MemoryStream(Gzip!), CompressionMode.Decompress);
        inflated.ReadExactly(json);
        return json;
    }

    /// <summary>A document of <paramref name="json"/> (rendered here, or by the serializer for candles), compressed when <paramref name="compress"/>.</summary>
    public static HistoryDocument Of(ReadOnlyMemory<byte> json, bool compress) => new(json, compress ? GzipOf(json.Span) : null, json.Length);

    /// <summary>
    /// Renders the <see cref="Contracts.AssetHistory"/> JSON of <paramref name="series"/> (in exactly the shape, number and
    /// date formats the serializer would produce), or with <see cref="HistoryDocumentLayout.Columns"/> the
    /// <see cref="Contracts.AssetHistoryColumns"/> JSON (the same values, written the same way); compressed too when
    /// <paramref name="compress"/>. The rows are then returned to their pool.
    /// </summary>
    public static HistoryDocument Render(string assetId, DateTime from, DateTime to, string interval, IReadOnlyList<HistoryRows> series,
        HistoryDocumentLayout layout, bool compress)
    {
        try
        {
            var points = series.Sum(rows => rows.Count);
            // ~110-130 bytes a point (about half as columns); a good guess saves the buffer regrowing (and copying) a few megabytes.
            var buffer = new ArrayBufferWriter<byte>(256 + points * (layout == HistoryDocumentLayout.Columns ? 64 : 128));
            using (var json = new Utf8JsonWriter(buffer))
            {
                WriteHead(json, assetId, from, to, interval);
                foreach (var rows in series)
                {
                    json.WriteStartObject();
                    json.WriteString("source", rows.Source);
                    if (layout == HistoryDocumentLayout.Columns)
                    {
                        WriteColumns(json, rows.Rows);
                    }
                    else
                    {
                        WritePoints(json, rows.Rows);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            return Of(buffer.WrittenMemory, compress);
        }
        finally
        {
            foreach (var rows in series)
            {
                rows.Dispose();
            }
        }
    }

    /// <summary>The document's opening up to its series array (<c>{"asset_id":..,"from":..,"to":..,"interval":..,"series":[</c>).</summary>
    internal static void WriteHead(Utf8JsonWriter json, string assetId, DateTime from, DateTime to, string interval)
    {
        json.WriteStartObject();
        json.WriteString("asset_id", assetId);
        json.WriteString("from", from);
        json.WriteString("to", to);
        json.WriteString("interval", interval);
        json.WriteStartArray("series");
    }

    private static byte[] GzipOf(ReadOnlySpan<byte> json)
    {
        // zlib level 3 rather than 6 (Optimal) or 1 (Fastest): for a year hourly it is within 0.5-3.5 % of level 6's size
        // (level 1: +35-55 %) at about half its CPU (7 against 13 ms for a columns year), and every change to an asset
        // renders its documents again (sizes and times: docs/performance.md, "Refresh ahead").
        using var compressed = new MemoryStream(json.Length / 2);
        using (var gzip = new GZipStream(compressed, Compression, leaveOpen: true))
        {
            gzip.Write(json);
        }

        return compressed.ToArray();
    }

    private static void WritePoints(Utf8JsonWriter json, ReadOnlySpan<HistoryRow> rows)
    {
        json.WriteStartArray("points");
        foreach (ref readonly var row in rows)
        {
            WritePoint(json, row);
        }

        json.WriteEndArray();
    }

    /// <summary>One array per field, each value written by the same writer call as in a point, so both forms carry the same text.</summary>
    private static void WriteColumns(Utf8JsonWriter json, ReadOnlySpan<HistoryRow> rows)
    {
        json.WriteStartArray(T);
        foreach (ref readonly var row in rows)
        {
            json.WriteStringValue(row.T);
        }

        json.WriteEndArray();
        json.WriteStartArray(PriceUsd);
        foreach (ref readonly var row in rows)
        {
            json.WriteNumberValue(row.PriceUsd);
        }

        json.WriteEndArray();
        json.WriteStartArray(MarketCapUsd);
        foreach (ref readonly var row in rows)
        {
            WriteNullableValue(json, row.MarketCapUsd);
        }

        json.WriteEndArray();
        json.WriteStartArray(Volume24hUsd);
        foreach (ref readonly var row in rows)
        {
            WriteNullableValue(json, row.Volume24hUsd);
        }

        json.WriteEndArray();
    }

    private static void WriteNullableValue(Utf8JsonWriter json, decimal? value)
    {
        if (value is { } number)
        {
            json.WriteNumberValue(number);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    /// <summary>One point object, as every points layout writes it.</summary>
    internal static void WritePoint(Utf8JsonWriter json, in HistoryRow row)
    {
        json.WriteStartObject();
        json.WriteString(T, row.T);
        json.WriteNumber(PriceUsd, row.PriceUsd);
        WriteNullable(json, MarketCapUsd, row.MarketCapUsd);
        WriteNullable(json, Volume24hUsd, row.Volume24hUsd);
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, JsonEncodedText name, decimal? value)
    {
        json.WritePropertyName(name);
        WriteNullableValue(json, value);
    }
}
