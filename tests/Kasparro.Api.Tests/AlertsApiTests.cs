using System.Text;
using Kasparro.Data.Entities;

namespace Kasparro.Api.Tests;

/// <summary><c>GET /alerts</c> and <c>GET/POST/DELETE /alerts/rules</c>: contract, validation, the token, config rules.</summary>
public sealed class AlertsApiTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>, IAsyncLifetime
{
    private HttpClient Client => fixture.Client;

    public async Task InitializeAsync()
    {
        await fixture.Database.ResetAsync();
        await fixture.Database.ExecuteAsync("TRUNCATE alert_deliveries, alerts, alert_rules RESTART IDENTITY CASCADE");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_created_rule_is_listed_read_and_deleted()
    {
        var (status, body, headers, _) = await Client.SendJsonAsync(Post("""{"kind": "price_move", "asset_id": "btc-bitcoin", "threshold_pct": 7.5, "window": "04:00:00", "cooldown": "00:30:00"}""", ApiFactory.SchedulerToken));

        Assert.Equal(201, status);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal($"/alerts/rules/{id}", headers.Location?.ToString());
        Assert.Equal("price_move", body.GetProperty("kind").GetString());
        Assert.Equal(7.5m, body.GetProperty("threshold_pct").GetDecimal());
        Assert.Equal("04:00:00", body.GetProperty("window").GetString());
        Assert.Equal("00:30:00", body.GetProperty("cooldown").GetString());
        Assert.Equal("api", body.GetProperty("origin").GetString());

        var list = await Client.GetJsonAsync("/alerts/rules");
        Assert.Equal([id.ToString()], list.Ids());
        var one = await Client.GetJsonAsync($"/alerts/rules/{id}");
        Assert.Equal("btc-bitcoin", one.GetProperty("asset_id").GetString());

        var (deleted, _, _, _) = await Client.SendJsonAsync(Delete(id.ToString(), ApiFactory.SchedulerToken));
        Assert.Equal(204, deleted);
        await Client.GetJsonAsync($"/alerts/rules/{id}", 404);
        var (again, problem, _, contentType) = await Client.SendJsonAsync(Delete(id.ToString(), ApiFactory.SchedulerToken));
        Assert.Equal(404, again);
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains($"no alert rule {id}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kind": "bogus"}""", "kind")]
    [InlineData("""{"threshold_pct": 2}""", "kind")]
    [InlineData("""{"kind": "divergence"}""", "threshold_pct")]
    [InlineData("""{"kind": "divergence", "threshold_pct": -1}""", "threshold_pct")]
    [InlineData("""{"kind": "divergence", "threshold_pct": "two"}""", "threshold_pct")]
    [InlineData("""{"kind": "price_move", "threshold_pct": 5, "window": "01:00:00"}""", "asset_id")]
    [InlineData("""{"kind": "price_move", "asset_id": "btc-bitcoin", "threshold_pct": 5, "window": "an hour"}""", "window")]
    [InlineData("""{"kind": "stale"}""", "stale_after")]
    [InlineData("""{"kind": "stale", "stale_after": "01:00:00", "source": "binance"}""", "source")]
    [InlineData("""{"kind": "run_failed", "threshold_pct": 5}""", "threshold_pct")]
    [InlineData("""{"kind": "run_failed", "severity": "high"}""", "severity")]
    [InlineData("""{"kind": "run_failed", "cooldown": "-01:00:00"}""", "cooldown")]
    [InlineData("""[1, 2]""", "body")]
    [InlineData("""{"kind": """, "body")]
    public async Task A_bad_rule_is_a_400_naming_the_field(string json, string field)
    {
        var (status, body, _, contentType) = await Client.SendJsonAsync(Post(json, ApiFactory.SchedulerToken));

        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.GetRawText());
        Assert.Equal(0, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM alert_rules"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task Changing_rules_without_the_right_token_is_401_like_trigger_etl(string? token)
    {
        await ApiSeed.AddAsync(fixture.Database, Rule(AlertRuleOrigins.Api));
        var (created, _, _, contentType) = await Client.SendJsonAsync(Post("""{"kind": "run_failed"}""", token));
        var (deleted, _, _, _) = await Client.SendJsonAsync(Delete("1", token));

        Assert.Equal(401, created);
        Assert.Equal(401, deleted);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(1, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM alert_rules"));
    }

    [Fact]
    public async Task Without_a_configured_token_changing_rules_is_403_and_reading_works()
    {
        await using var api = new ApiFactory(fixture.Database.ConnectionString);
        var client = api.CreateClient();

        var (status, body, _, _) = await client.SendJsonAsync(Post("""{"kind": "run_failed"}""", ApiFactory.SchedulerToken));

        Assert.Equal(403, status);
        Assert.Contains("Etl:SchedulerToken", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await client.GetJsonAsync("/alerts/rules");
        await client.GetJsonAsync("/alerts");
    }

    [Fact]
    public async Task A_configured_rule_cannot_be_deleted_through_the_api()
    {
        var rule = Rule(AlertRuleOrigins.Config);
        await ApiSeed.AddAsync(fixture.Database, rule);

        var (status, body, _, _) = await Client.SendJsonAsync(Delete(rule.Id.ToString(), ApiFactory.SchedulerToken));

        Assert.Equal(409, status);
        Assert.Contains("comes from configuration (Alerts:Rules)", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM alert_rules"));
    }

    [Theory]
    [InlineData("/alerts/rules/abc", "id")]
    [InlineData("/alerts/rules/0", "id")]
    public async Task A_bad_rule_id_is_400(string path, string field)
    {
        var (status, body, _, _) = await Client.SendJsonAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "X-Scheduler-Token", ApiFactory.SchedulerToken } } });
        Assert.Equal(400, status);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _));
        var read = await Client.GetJsonAsync(path, 400);
        Assert.True(read.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Alerts_are_listed_by_state_and_paged()
    {
        var rule = Rule(AlertRuleOrigins.Api);
        await ApiSeed.AddAsync(fixture.Database, rule);
        var t0 = ApiSeed.T0;
        await ApiSeed.AddAsync(fixture.Database,
            Alert(rule.Id, "csv", t0, null),
            Alert(rule.Id, "coingecko", t0.AddMinutes(1), null),
            Alert(rule.Id, "coinpaprika", t0.AddMinutes(2), null),
            Alert(rule.Id, "csv", t0.AddMinutes(-30), t0.AddMinutes(-10)));

        var open = await Client.GetJsonAsync("/alerts?state=open&limit=2");
        var next = await Client.GetJsonAsync("/alerts?state=open&limit=2&offset=2");
        var resolved = await Client.GetJsonAsync("/alerts?state=resolved");
        var all = await Client.GetJsonAsync("/alerts");

        Assert.Equal(["coinpaprika", "coingecko"], open.Ids("subject"));
        Assert.Equal(3, open.GetProperty("pagination").GetProperty("total").GetInt64());
        Assert.Equal(["csv"], next.Ids("subject"));
        var item = Assert.Single(resolved.GetProperty("data").EnumerateArray());
        Assert.Equal("resolved", item.GetProperty("state").GetString());
        Assert.Equal("run_failed", item.GetProperty("kind").GetString());
        Assert.Equal(rule.Id, item.GetProperty("rule_id").GetInt64());
        Assert.Equal("2025-03-29T09:50:00Z", item.GetProperty("resolved_at").GetString());
        Assert.Equal("failed", item.GetProperty("details").GetProperty("status").GetString());
        Assert.Equal(4, all.GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("/alerts?state=closed", "state")]
    [InlineData("/alerts?limit=0", "limit")]
    public async Task Bad_alert_queries_are_400(string url, string field)
    {
        var body = await Client.GetJsonAsync(url, 400);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_configured_browser_origin_may_create_and_delete_rules()
    {
        await using var api = new ApiFactory(fixture.Database.ConnectionString, new Dictionary<string, string> { ["Cors:AllowedOrigins:0"] = "https://dashboard.example" });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/alerts/rules/1");
        preflight.Headers.Add("Origin", "https://dashboard.example");
        preflight.Headers.Add("Access-Control-Request-Method", "DELETE");
        preflight.Headers.Add("Access-Control-Request-Headers", "x-scheduler-token,content-type");

        var response = await api.CreateClient().SendAsync(preflight);

        Assert.Contains("DELETE", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Contains("content-type", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
    }

    private static AlertRule Rule(string origin) => new() { Kind = "run_failed", Origin = origin, CreatedAt = ApiSeed.T0 };

    private static Alert Alert(long ruleId, string subject, DateTimeOffset openedAt, DateTimeOffset? resolvedAt) => new()
    {
        RuleId = ruleId, Subject = subject, State = resolvedAt is null ? AlertStates.Open : AlertStates.Resolved,
        OpenedAt = openedAt, ResolvedAt = resolvedAt, Details = """{"summary": "x", "status": "failed"}""",
    };

    private static HttpRequestMessage Post(string json, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/alerts/rules") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Scheduler-Token", token);
        }

        return request;
    }

    private static HttpRequestMessage Delete(string id, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/alerts/rules/{id}");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Scheduler-Token", token);
        }

        return request;
    }
}
