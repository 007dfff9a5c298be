using System.Globalization;
using System.Text.Json;
using Kasparro.Data.Entities;
using Npgsql;
using static Kasparro.Testing.ApiSeed;

namespace Kasparro.Api.Tests;

/// <summary>
/// The history endpoint buckets while reading rows in time order; PostgreSQL's own
/// <c>DISTINCT ON (source, date_bin(...)) ... ORDER BY observed_at DESC</c> is the reference it must agree with.
/// </summary>
public sealed class HistoryBucketTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string AssetId = "xyz-irregular";
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await AddAsync(database, new Asset { Id = AssetId, Symbol = "XYZ", Name = "Irregular", CreatedAt = T0, UpdatedAt = T0 });

        // Three sources at irregular, interleaved times (a pseudo-random 0-2,000 s apart), across the 2000-01-01
        // origin of the buckets, with nulls now and then; prices differ per point so the wrong pick shows.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO price_history (source, source_id, observed_at, asset_id, price_usd, market_cap_usd, volume_24h_usd, is_backfill)
            SELECT s.source, 'xyz', timestamptz '1999-12-30Z' + make_interval(secs => (i * 1733 + s.shift * 977) % 600000 + i * 0.25),
                   'xyz-irregular', 10 + i * 0.001 + s.shift, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 3 END, i, false
            FROM (VALUES ('coinpaprika', 1), ('coingecko', 2), ('csv', 3)) AS s(source, shift),
                 generate_series(1, 1500) AS i
            """, connection);
        await insert.ExecuteNonQueryAsync();
        // The API finds an asset's series through its mappings.
        await using var map = new NpgsqlCommand("""
            INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, linked_at)
            SELECT source, 'xyz', 'xyz-irregular', 'override', 1, true, now() FROM unnest(ARRAY['coinpaprika', 'coingecko', 'csv']) AS source
            """, connection);
        await map.ExecuteNonQueryAsync();
        _api = new ApiFactory(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("5m", "1999-12-30T00:00:00Z", "1999-12-31T12:00:00Z")]
    [InlineData("1h", "1999-12-30T00:00:00Z", "2000-01-06T00:00:00Z")]
    [InlineData("1h", "1999-12-31T20:30:00Z", "2000-01-02T07:10:00Z")]
    [InlineData("1d", "1999-12-01T00:00:00Z", "2000-02-01T00:00:00Z")]
    [InlineData("raw", "1999-12-31T00:00:00Z", "2000-01-03T00:00:00Z")]
    public async Task Buckets_match_postgresqls_date_bin_last_value(string interval, string from, string to)
    {
        var answer = await _client.GetJsonAsync($"/assets/{AssetId}/history?from={from}&to={to}&interval={interval}");
        // Bucketed ranges are widened to whole buckets; the reference reads the range the answer says it covers.
        var expected = await ReferenceAsync(interval, answer.GetProperty("from").GetString()!, answer.GetProperty("to").GetString()!);

        var actual = answer.GetProperty("series").EnumerateArray()
            .SelectMany(series => series.GetProperty("points").EnumerateArray().Select(p => Line(series.GetProperty("source").GetString()!, p)))
            .ToList();
        Assert.True(expected.Count > 15, $"the reference holds only {expected.Count} points");
        Assert.Equal(expected, actual);
    }

    private static string Line(string source, JsonElement point) => string.Join(' ', source, point.GetProperty("t").GetString(),
        point.GetProperty("price_usd").GetRawText(), point.GetProperty("market_cap_usd").GetRawText(), point.GetProperty("volume_24h_usd").GetRawText());

    private async Task<List<string>> ReferenceAsync(string interval, string from, string to)
    {
        var sql = interval == "raw"
            ? "SELECT source, observed_at, price_usd, market_cap_usd, volume_24h_usd FROM price_history WHERE asset_id = $1 AND observed_at >= $2 AND observed_at < $3 ORDER BY source, observed_at"
            : """
              SELECT DISTINCT ON (source, bucket) source, date_bin($4::interval, observed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
                     price_usd, market_cap_usd, volume_24h_usd
              FROM price_history WHERE asset_id = $1 AND observed_at >= $2 AND observed_at < $3
              ORDER BY source, bucket, observed_at DESC
              """;
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(AssetId);
        command.Parameters.AddWithValue(DateTimeOffset.Parse(from, CultureInfo.InvariantCulture).ToUniversalTime());
        command.Parameters.AddWithValue(DateTimeOffset.Parse(to, CultureInfo.InvariantCulture).ToUniversalTime());
        if (interval != "raw")
        {
            command.Parameters.AddWithValue(interval switch { "5m" => "5 minutes", "1h" => "1 hour", _ => "1 day" });
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var t = reader.GetFieldValue<DateTime>(1);
            lines.Add(string.Join(' ', reader.GetString(0), JsonSerializer.Serialize(t).Trim('"'),
                Number(reader, 2), Number(reader, 3), Number(reader, 4)));
        }

        return lines;
    }

    private static string Number(NpgsqlDataReader reader, int column) =>
        reader.IsDBNull(column) ? "null" : reader.GetDecimal(column).ToString(CultureInfo.InvariantCulture);
}
