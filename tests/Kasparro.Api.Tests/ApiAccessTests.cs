using System.Net.Http.Headers;
using Kasparro.Api.Security;

namespace Kasparro.Api.Tests;

/// <summary>What every API response carries, who may scrape <c>/metrics</c>, and how the OpenAPI document declares access.</summary>
[Collection(nameof(MetricsCollection))]
public sealed class ApiAccessTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("/stats")]
    [InlineData("/runs/abc")]
    [InlineData("/health")]
    [InlineData("/openapi/v1.json")]
    public async Task Every_response_says_nosniff_and_names_no_server(string path)
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var response = await api.CreateClient().GetAsync(path);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task Outside_development_anonymous_reading_is_off_by_default_and_metrics_need_an_operator()
    {
        var (_, reader) = await ApiKeyCli.CreateAsync(database.ConnectionString, "metrics-reader");
        var (_, operatorKey) = await ApiKeyCli.CreateAsync(database.ConnectionString, "metrics-scraper", ApiRoles.Operator);
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["environment"] = "Production" });
        var client = api.CreateClient();

        Assert.Equal(401, (int)(await client.GetAsync("/stats")).StatusCode);
        Assert.Equal(401, (int)(await client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(200, (int)(await client.GetAsync("/health")).StatusCode);
        Assert.Equal(200, (int)(await client.GetAsync("/alive")).StatusCode);
        Assert.Equal(403, (int)(await client.SendAsync(Get("/metrics", reader))).StatusCode);

        // A refused key is counted (by scheme and reason) and the scrape shows it.
        Assert.Equal(401, (int)(await client.SendAsync(Get("/stats", reader[..^1] + (reader[^1] == 'A' ? 'B' : 'A')))).StatusCode);
        var scrape = await client.SendAsync(Get("/metrics", operatorKey));
        Assert.Equal(200, (int)scrape.StatusCode);
        var text = await scrape.Content.ReadAsStringAsync();
        Assert.Matches("kasparro_api_rejected_credentials_total\\{[^}]*reason=\"wrong_secret\"[^}]*\\} [1-9]", text);
    }

    [Fact]
    public async Task The_document_declares_the_schemes_and_which_operations_need_an_operator()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["Api:AllowAnonymousRead"] = "false" });
        var client = api.CreateClient();
        var document = await client.GetJsonAsync("/openapi/v1.json");

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("X-Scheduler-Token", schemes.GetProperty("SchedulerToken").GetProperty("name").GetString());

        var trigger = document.GetProperty("paths").GetProperty("/trigger-etl").GetProperty("post");
        Assert.Equal(["ApiKey", "SchedulerToken"], Schemes(trigger));
        var stats = document.GetProperty("paths").GetProperty("/stats").GetProperty("get");
        Assert.Equal(["ApiKey"], Schemes(stats));
        Assert.True(stats.GetProperty("responses").TryGetProperty("401", out _));
        Assert.DoesNotContain(stats.GetProperty("security").EnumerateArray(), requirement => !requirement.EnumerateObject().Any());

        // Scalar's page, where a user pastes a key, is open like the document itself.
        Assert.Equal(200, (int)(await client.GetAsync("/docs")).StatusCode);
    }

    private static string[] Schemes(System.Text.Json.JsonElement operation) =>
        [.. operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name))];

    private static HttpRequestMessage Get(string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return request;
    }
}
