using System.Net;
using Kasparro.Upstreams.Faults;
using Kasparro.Upstreams.Universe;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Kasparro.Upstreams;

/// <summary>A local stand-in for CoinPaprika and CoinGecko on a real loopback socket: start one per test
/// (or per fixture), point the connectors at its base URLs, inject faults, advance snapshots, read the log.</summary>
public sealed class UpstreamServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly UpstreamState state;

    private UpstreamServer(WebApplication app, UpstreamState state, Uri root)
    {
        this.app = app;
        this.state = state;
        BaseUrl = root;
    }

    /// <summary>The server root, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Free CoinPaprika, like <c>https://api.coinpaprika.com/v1</c> (no trailing slash, as documented).</summary>
    public Uri CoinPaprikaBaseUrl => new(BaseUrl, "coinpaprika/v1");

    /// <summary>Pro CoinPaprika, like <c>https://api-pro.coinpaprika.com/v1</c>; needs <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public Uri CoinPaprikaProBaseUrl => new(BaseUrl, "coinpaprika-pro/v1");

    /// <summary>Public/demo CoinGecko, like <c>https://api.coingecko.com/api/v3</c>; optional <c>x-cg-demo-api-key</c>.</summary>
    public Uri CoinGeckoBaseUrl => new(BaseUrl, "coingecko/api/v3");

    /// <summary>Pro CoinGecko, like <c>https://pro-api.coingecko.com/api/v3</c>; needs <c>x-cg-pro-api-key</c>.</summary>
    public Uri CoinGeckoProBaseUrl => new(BaseUrl, "coingecko-pro/api/v3");

    public UpstreamUniverse Universe => state.Universe;

    /// <summary>Faults to inject per route.</summary>
    public FaultPlan Faults => state.Faults;

    /// <summary>Every request received, with its selected headers.</summary>
    public RequestLog Log => state.Log;

    /// <summary>A copy of every request received so far.</summary>
    public IReadOnlyList<RecordedRequest> Requests => state.Log.All;

    /// <summary>Schema drift now in effect; changing it affects the next responses.</summary>
    public SchemaDrift Drift
    {
        get => state.Drift;
        set => state.Drift = value;
    }

    /// <summary>Requests refused by the server-side rate limit, over both APIs.</summary>
    public int RateLimitViolations => Enum.GetValues<UpstreamApi>().Sum(state.ViolationsOf);

    public int Snapshot => state.Universe.Snapshot;

    /// <summary>Starts a server on 127.0.0.1 with an OS-chosen port.</summary>
    public static async Task<UpstreamServer> StartAsync(UpstreamOptions? options = null, CancellationToken cancellationToken = default)
    {
        var state = new UpstreamState(options ?? new UpstreamOptions());
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(UpstreamServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        UpstreamApplication.ConfigureServices(builder);
        var app = builder.Build();
        UpstreamApplication.Map(app, state);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new UpstreamServer(app, state, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Requests to <paramref name="api"/> refused by the server-side rate limit.</summary>
    public int RateLimitViolationsOf(UpstreamApi api) => state.ViolationsOf(api);

    /// <summary>See <see cref="UpstreamUniverse.AdvanceSnapshot"/>.</summary>
    public IReadOnlyList<UpstreamCoin> AdvanceSnapshot(int changedCount, DateTimeOffset? at = null) =>
        state.Universe.AdvanceSnapshot(changedCount, at);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
