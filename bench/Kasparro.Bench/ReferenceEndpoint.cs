using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// The floor <c>bench read</c> measures the API's <c>/data</c> against (issue 17): <c>GET /data</c> answered by
/// <see cref="WebApplication.CreateSlimBuilder()"/> with no middleware, reading the same page query
/// (<c>limit</c>, <c>offset</c>, <c>ticker</c>, <c>source</c>; ordered by id) from the same database through a plain
/// Npgsql data source with the same pool size, written as <c>{"data":[...]}</c> with the columns' names. It has none
/// of the API's behaviour (validation, totals, meta, rate limiting, telemetry): what the API costs beyond it is the
/// price of that behaviour.
/// </summary>
public sealed class ReferenceEndpoint(WebApplication app, NpgsqlDataSource dataSource) : IAsyncDisposable
{
    private const string Columns = "id, asset_id, ticker, name, price_usd, market_cap_usd, volume_24h_usd, percent_change_24h, source, created_at, ingested_at";

    public static async Task<ReferenceEndpoint> StartAsync(string connectionString, int port, int maxConnections)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var source = new NpgsqlDataSourceBuilder(connectionString);
        source.ConnectionStringBuilder.MaxPoolSize = maxConnections;
        var dataSource = source.Build();
        var app = builder.Build();
        app.MapGet("/data", (RequestDelegate)(context => WritePageAsync(context, dataSource)));
        await app.StartAsync();
        return new ReferenceEndpoint(app, dataSource);
    }

    private static async Task WritePageAsync(HttpContext context, NpgsqlDataSource dataSource)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], out var l) ? l : 50;
        var offset = int.TryParse(query["offset"], out var o) ? o : 0;
        var conditions = new List<string>(2);
        await using var command = dataSource.CreateCommand();
        if (query["source"].ToString() is { Length: > 0 } sourceName)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sourceName });
            conditions.Add($"source = ${command.Parameters.Count}");
        }

        if (query["ticker"].ToString() is { Length: > 0 } ticker)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ticker.ToUpperInvariant() });
            conditions.Add($"upper(ticker) = ${command.Parameters.Count}");
        }

        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        command.CommandText = $"SELECT {Columns} FROM normalized_records{where} ORDER BY id LIMIT ${command.Parameters.Count - 1} OFFSET ${command.Parameters.Count}";

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("data");
            await using var reader = await command.ExecuteReaderAsync(context.RequestAborted);
            while (await reader.ReadAsync(context.RequestAborted))
            {
                json.WriteStartObject();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    json.WritePropertyName(reader.GetName(i));
                    switch (reader.IsDBNull(i) ? null : reader.GetValue(i))
                    {
                        case null: json.WriteNullValue(); break;
                        case string text: json.WriteStringValue(text); break;
                        case decimal number: json.WriteNumberValue(number); break;
                        case DateTime time: json.WriteStringValue(time); break;
                        case var other: json.WriteStringValue(Convert.ToString(other, CultureInfo.InvariantCulture)); break;
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await dataSource.DisposeAsync();
    }
}
