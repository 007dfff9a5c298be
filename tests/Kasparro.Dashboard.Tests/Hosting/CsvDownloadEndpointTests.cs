using System.Net;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Dashboard.Tests.Hosting;

/// <summary>The dashboard's <c>/download/...</c> paths stream the API's CSV export of the same query, and only that.</summary>
public sealed class CsvDownloadEndpointTests : IDisposable
{
    private readonly CannedApi _api = new();
    private readonly WebApplicationFactory<Program> _factory;

    public CsvDownloadEndpointTests()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("services:api:http:0", "http://127.0.0.1:9");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.ConfigureServices(services => services.AddHttpClient<KasparroApiClient>().ConfigurePrimaryHttpMessageHandler(() => _api));
        });
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task A_listing_download_passes_its_parameters_and_streams_the_apis_csv()
    {
        const string csv = "id,source\r\n2,csv\r\n1,\"'=cmd\"\r\n";
        _api.Csv("/runs?", csv, "runs.csv");

        using var response = await _factory.CreateClient().GetAsync("/download/runs.csv?limit=200&offset=0&source=csv&status=failed&evil=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("runs.csv", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(csv, await response.Content.ReadAsStringAsync());
        var forwarded = _api.Requests.Single();
        Assert.Equal("/runs?source=csv&status=failed&limit=200&offset=0&format=csv", forwarded.RequestUri!.PathAndQuery);
        Assert.Contains("text/csv", forwarded.Headers.Accept.Select(a => a.MediaType));
    }

    [Fact]
    public async Task A_history_download_names_the_asset_and_the_range()
    {
        _api.Csv("/assets/btc-bitcoin/history?", "source,t\r\n", "btc-bitcoin-history.csv");

        using var response = await _factory.CreateClient().GetAsync("/download/assets/btc-bitcoin/history.csv?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/assets/btc-bitcoin/history?from=2025-03-01T00%3A00%3A00Z&to=2025-03-02T00%3A00%3A00Z&format=csv", _api.Requests.Single().RequestUri!.PathAndQuery);
    }

    [Fact]
    public async Task An_api_error_is_passed_on_and_an_unknown_listing_is_not_forwarded()
    {
        _api.Problem("/quarantine?", HttpStatusCode.BadRequest, "One or more validation errors occurred.", extra: "\"errors\":{\"limit\":[\"must be an integer between 1 and 200\"]}");
        var client = _factory.CreateClient();

        using var bad = await client.GetAsync("/download/quarantine.csv?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("must be an integer", await bad.Content.ReadAsStringAsync());

        using var unknown = await client.GetAsync("/download/assets.csv");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Single(_api.Requests);
    }

    [Fact]
    public async Task An_unreachable_api_is_a_502_saying_so()
    {
        _api.Unreachable = true;

        using var response = await _factory.CreateClient().GetAsync("/download/data.csv");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("cannot be reached", await response.Content.ReadAsStringAsync());
    }
}
