using System.Buffers;
using System.Reflection;
using System.Text.Json;
using Kasparro.Api.Contracts;
using Microsoft.AspNetCore.Http.Metadata;

namespace Kasparro.Api.Endpoints;

/// <summary>One point of a series as it is held between reading and writing: a struct, no object per point.</summary>
public readonly record struct HistoryRow(DateTime T, decimal PriceUsd, decimal? MarketCapUsd, decimal? Volume24hUsd);

/// <summary>
/// One source's points in a pooled array. A year hourly is 8,760 points per source: as objects in lists that was
/// ~4 MB of garbage per request, much of it on the large object heap, and under load the API spent more time in
/// gen2 collections than serving.
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

/// <summary>
/// Writes <see cref="AssetHistory"/>'s JSON straight from the pooled rows to the response, flushing as it goes, in
/// exactly the shape (and number and date formats) the serializer would produce; declares <see cref="AssetHistory"/>
/// as the 200 response so the OpenAPI document is unchanged.
/// </summary>
public sealed class HistoryJsonResult(string assetId, DateTime from, DateTime to, string interval, IReadOnlyList<HistoryRows> series)
    : IResult, IEndpointMetadataProvider
{
    private const int FlushBytes = 32 * 1024;
    private static readonly JsonEncodedText T = JsonEncodedText.Encode("t");
    private static readonly JsonEncodedText PriceUsd = JsonEncodedText.Encode("price_usd");
    private static readonly JsonEncodedText MarketCapUsd = JsonEncodedText.Encode("market_cap_usd");
    private static readonly JsonEncodedText Volume24hUsd = JsonEncodedText.Encode("volume_24h_usd");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        try
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            var cancellationToken = httpContext.RequestAborted;
            await using var json = new Utf8JsonWriter(response.BodyWriter);
            json.WriteStartObject();
            json.WriteString("asset_id", assetId);
            json.WriteString("from", from);
            json.WriteString("to", to);
            json.WriteString("interval", interval);
            json.WriteStartArray("series");
            foreach (var rows in series)
            {
                json.WriteStartObject();
                json.WriteString("source", rows.Source);
                json.WriteStartArray("points");
                for (var i = 0; i < rows.Count; i++)
                {
                    WritePoint(json, rows.Rows[i]);
                    if (json.BytesPending > FlushBytes)
                    {
                        json.Flush();
                        await response.BodyWriter.FlushAsync(cancellationToken);
                    }
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
        }
        finally
        {
            foreach (var rows in series)
            {
                rows.Dispose();
            }
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AssetHistory), ["application/json"]));

    private static void WritePoint(Utf8JsonWriter json, in HistoryRow row)
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
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
