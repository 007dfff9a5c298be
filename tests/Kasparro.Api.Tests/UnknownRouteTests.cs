using System.Net;
using System.Text.Json;

namespace Kasparro.Api.Tests;

/// <summary>
/// An unknown route answers a problem-details 404 whatever the client accepts, and the real Kestrel server sends no
/// <c>Server</c> banner.
/// </summary>
public sealed class UnknownRouteTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("/no-such-route", null)]
    [InlineData("/no-such-route", "*/*")]
    [InlineData("/assets/btc-bitcoin/no-such-part", "application/json")]
    [InlineData("/no-such-route", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]
    [InlineData("/no-such-route", "text/plain")]
    public async Task Unknown_routes_answer_a_problem_details_404(string path, string? accept)
    {
        await using var api = new ApiFactory(database.ConnectionString);
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Not Found", problem.RootElement.GetProperty("title").GetString());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("request_id").GetString()));
    }

    [Fact]
    public async Task A_wrong_method_on_a_known_route_is_a_problem_details_405()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        using var client = api.CreateClient();

        using var response = await client.DeleteAsync("/runs");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/no-such-route")]
    public async Task The_real_server_sends_no_Server_header(string path)
    {
        await using var api = new ApiFactory(database.ConnectionString);
        api.UseKestrel(0);
        api.StartServer();
        using var client = api.CreateClient();
        Assert.StartsWith("http://127.0.0.1:", client.BaseAddress!.ToString().Replace("localhost", "127.0.0.1", StringComparison.Ordinal), StringComparison.Ordinal);

        using var response = await client.GetAsync(path);

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.False(response.Headers.Contains("Server"), $"Server: {string.Join(", ", response.Headers.Server)}");
    }
}
