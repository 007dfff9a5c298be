using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kasparro.Ingestion.Tests.RealPayloads;

/// <summary>
/// Serves the captured upstream payloads under <c>RealPayloads/</c> byte for byte over real HTTP on loopback, at the
/// paths of the real APIs: one CoinGecko markets page (then the empty page that ends a sweep), one CoinPaprika tickers
/// array, and a market chart body for any coin.
/// </summary>
public sealed class RealPayloadServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private RealPayloadServer(WebApplication app, Uri root)
    {
        this.app = app;
        CoinGeckoBaseUrl = new Uri(root, "coingecko/api/v3");
        CoinPaprikaBaseUrl = new Uri(root, "coinpaprika/v1");
    }

    public Uri CoinGeckoBaseUrl { get; }

    public Uri CoinPaprikaBaseUrl { get; }

    /// <summary>The body of <c>/coins/markets?page=1</c>; later pages are <c>[]</c>.</summary>
    public byte[] GeckoMarkets { get; set; } = "[]"u8.ToArray();

    /// <summary>The body of <c>/tickers</c>.</summary>
    public byte[] PaprikaTickers { get; set; } = "[]"u8.ToArray();

    /// <summary>The body of <c>/coins/{id}/market_chart</c>, for every id.</summary>
    public byte[] GeckoMarketChart { get; set; } = """{"prices":[],"market_caps":[],"total_volumes":[]}"""u8.ToArray();

    /// <summary>The captured file's bytes.</summary>
    public static byte[] Read(string relativePath) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "RealPayloads", relativePath));

    public static async Task<RealPayloadServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        RealPayloadServer? server = null;
        app.MapGet("/coingecko/api/v3/coins/markets", (HttpContext context) =>
            Json(context.Request.Query["page"] == "1" ? server!.GeckoMarkets : "[]"u8.ToArray()));
        app.MapGet("/coinpaprika/v1/tickers", () => Json(server!.PaprikaTickers));
        app.MapGet("/coingecko/api/v3/coins/{id}/market_chart", (string id) => Json(server!.GeckoMarketChart));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new RealPayloadServer(app, new Uri(address.TrimEnd('/') + "/"));
        return server;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private static IResult Json(byte[] body) => Results.Bytes(body, "application/json");
}
