using System.Net;
using System.Text.Json;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>
/// What keeps <c>GET /stream</c> bounded: connection limits per client and in total, a slow reader cut off instead of
/// buffered, old or bad positions refused or reset.
/// </summary>
public sealed class StreamLimitsTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Commits <paramref name="changes"/> separate batches of <paramref name="records"/> new latest records each.</summary>
    internal static async Task CommitChangesAsync(DatabaseFixture database, int changes, int records, string prefix)
    {
        for (var i = 0; i < changes; i++)
        {
            await database.ExecuteAsync($"""
                INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, name, price_usd, market_cap_usd, volume_24h_usd, percent_change_24h, created_at, ingested_at)
                SELECT 'csv_{prefix}{i}-' || n, 'csv', '{prefix}{i}-' || n, 'asset-' || n, 'T' || n, 'A fairly long coin name to make events weigh something ' || n,
                       n * 1.5, n * 1000000, n * 1000, -1.25, now(), now()
                  FROM generate_series(1, {records}) AS n
                """);
        }
    }

    [Fact]
    public async Task Streams_beyond_the_per_client_limit_get_429_and_beyond_the_total_503()
    {
        await using (var perClient = await StreamHost.StartAsync(database.ConnectionString, new Dictionary<string, string> { ["Stream:MaxClientsPerIp"] = "2", ["Stream:MaxClients"] = "10" }))
        {
            await using var one = await perClient.ConnectAsync();
            await using var two = await perClient.ConnectAsync();
            using var third = await perClient.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);

            // A closed stream gives its place back.
            await one.DisposeAsync();
            await Poll.UntilAsync(() => Task.FromResult(perClient.Feed.Subscribers == 1), TimeSpan.FromSeconds(10), "the closed stream gone");
            await using var again = await perClient.ConnectAsync();
        }

        await using var total = await StreamHost.StartAsync(database.ConnectionString, new Dictionary<string, string> { ["Stream:MaxClientsPerIp"] = "10", ["Stream:MaxClients"] = "2" });
        await using var a = await total.ConnectAsync();
        await using var b = await total.ConnectAsync();
        using var c = await total.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, c.StatusCode);
        Assert.Equal("application/problem+json", c.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_client_that_reads_too_slowly_gets_a_final_overflow_event()
    {
        await using var api = await StreamHost.StartAsync(database.ConnectionString, new Dictionary<string, string> { ["Stream:ClientBuffer"] = "2" });
        using var slow = await RawStreamClient.ConnectAsync(api.Client.BaseAddress!);
        await Poll.UntilAsync(() => Task.FromResult(api.Feed.Subscribers == 1), TimeSpan.FromSeconds(10), "the slow client subscribed");

        // ~13 MB of events: more than the socket buffers and Kestrel's 64 KB hold, so its two-change buffer overflows.
        await CommitChangesAsync(database, changes: 40, records: 1000, prefix: "slow");
        // It reads again within the grace period: it gets what was on the wire, then the overflow event, then the end.
        var text = await slow.ReadToEndAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("event: overflow", text);
        Assert.DoesNotContain("event: price", text[text.IndexOf("event: overflow", StringComparison.Ordinal)..]);
        Assert.Equal(0, api.Feed.Subscribers);
    }

    [Theory]
    [InlineData("/stream?events=prices", "events")]
    [InlineData("/stream?source=binance", "source")]
    [InlineData("/stream?last_event_id=abc", "last_event_id")]
    [InlineData("/stream?last_event_id=12.0", "last_event_id")]
    [InlineData("/stream?asset_id=", "asset_id")]
    public async Task Bad_parameters_are_a_validation_problem(string url, string field)
    {
        await using var api = await StreamHost.StartAsync(database.ConnectionString);
        using var response = await api.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_Last_Event_ID_older_than_the_log_keeps_or_from_elsewhere_gets_a_reset_then_the_live_stream()
    {
        await using var api = await StreamHost.StartAsync(database.ConnectionString);
        await CommitChangesAsync(database, changes: 3, records: 1, prefix: "old");
        var newest = await database.ScalarAsync<long>("SELECT max(id) FROM change_log");
        var oldest = newest - 2;
        await Poll.UntilAsync(() => Task.FromResult(api.Feed.OfferedThrough?.Id >= newest), TimeSpan.FromSeconds(10), "the feed past the old changes");
        // What the trimming does to rows past the retention.
        await database.ExecuteAsync($"DELETE FROM change_log WHERE id <= {oldest}");

        await using var tooOld = await api.ConnectAsync("/stream", oldest.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("reset", (await tooOld.NextAsync(TimeSpan.FromSeconds(5))).Type);
        await using var fromElsewhere = await api.ConnectAsync("/stream", "999999999.1");
        Assert.Equal("reset", (await fromElsewhere.NextAsync(TimeSpan.FromSeconds(5))).Type);
        // The oldest change the log kept: no reset, the one change after it.
        await using var inside = await api.ConnectAsync("/stream", (oldest + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var kept = await inside.DrainAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(newest.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".1", Assert.Single(kept).Id);
        Assert.All(kept, e => Assert.Equal("price", e.Type));

        await CommitChangesAsync(database, changes: 1, records: 1, prefix: "new");
        // Wait for the change to arrive (other test classes' open transactions on the shared server hold the feed
        // back for a while: it reads only below the server's oldest open writer), then check it came exactly once.
        Assert.Equal("price", Assert.Single(await tooOld.UntilAsync(e => e.Type == "price", TimeSpan.FromSeconds(20))).Type);
        Assert.Empty(await tooOld.DrainAsync(TimeSpan.FromSeconds(1)));
    }
}
