
namespace Kasparro.Api.Tests;

/// <summary>Rate limiting per client (not on health or metrics) and configurable CORS.</summary>
public sealed class ApiLimitsTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Over_the_limit_is_429_with_retry_after_but_health_and_metrics_stay_open()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string>
        {
            ["RateLimiting:PermitsPerWindow"] = "3",
            ["RateLimiting:WindowSeconds"] = "60",
        });
        var client = api.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (int)(await client.GetAsync("/stats")).StatusCode);
        }

        var limited = await client.GetAsync("/data");
        Assert.Equal(429, (int)limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, (int)(await client.GetAsync("/health")).StatusCode);
            Assert.Equal(200, (int)(await client.GetAsync("/alive")).StatusCode);
            Assert.Equal(200, (int)(await client.GetAsync("/metrics")).StatusCode);
        }
    }

    [Fact]
    public async Task Cors_allows_only_configured_origins()
    {
        await using var closed = new ApiFactory(database.ConnectionString);
        Assert.False((await GetFromAsync(closed.CreateClient(), "https://dashboard.example")).Headers.Contains("Access-Control-Allow-Origin"));

        await using var open = new ApiFactory(database.ConnectionString, new Dictionary<string, string>
        {
            ["Cors:AllowedOrigins:0"] = "https://dashboard.example",
        });
        var allowed = await GetFromAsync(open.CreateClient(), "https://dashboard.example");
        Assert.Equal("https://dashboard.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False((await GetFromAsync(open.CreateClient(), "https://evil.example")).Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static async Task<HttpResponseMessage> GetFromAsync(HttpClient client, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stats");
        request.Headers.Add("Origin", origin);
        return await client.SendAsync(request);
    }
}
