using Kasparro.Upstreams;
using Kasparro.Upstreams.Universe;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// Everything the browser tests look at, started once: the fake CoinPaprika/CoinGecko, a CSV folder, the whole
/// AppHost pointed at them, three rounds of ingestion (the start-up run and two triggered ones after the upstream
/// prices moved, so every source has several points) and headless Chromium.
/// </summary>
public sealed class EndToEndStack() : BrowserStack("kasparro-e2e")
{
    /// <summary>The API's scheduler token for this stack, passed as the AppHost parameter so the test can trigger runs.</summary>
    public const string SchedulerToken = "e2e-scheduler-token-7d1c5e0b9a";
    public const int IngestionRounds = 3;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    public UpstreamServer Upstreams { get; private set; } = null!;
    public KasparroApiProbe Api { get; private set; } = null!;
    public TimeSpan ColdStart { get; private set; }

    public override async Task InitializeAsync()
    {
        var started = DateTimeOffset.UtcNow;
        // The upstream "now" starts two hours back and moves an hour per round, ending at the present.
        var firstSnapshotAt = started.AddHours(-(IngestionRounds - 1));
        Upstreams = await UpstreamServer.StartAsync(new UpstreamOptions
        {
            Universe = UpstreamUniverse.RealTop200(firstSnapshotAt),
            Drift = SchemaDrift.ExtraUnknownFields,
        });
        var bitcoin = Upstreams.Universe.Coins.Single(c => c.GeckoId == "bitcoin");
        var ether = Upstreams.Universe.Coins.Single(c => c.GeckoId == "ethereum");
        FixtureCsv.Write(Path.Combine(Folder, "csv"), started, bitcoin.PriceUsd, ether.PriceUsd);

        await StartAsync(
        [
            $"--Parameters:scheduler-token={SchedulerToken}",
            $"--Sources:CoinPaprika:BaseUrl={Upstreams.CoinPaprikaBaseUrl}",
            "--Sources:CoinPaprika:RequestsPerMinute=600",
            $"--Sources:CoinGecko:BaseUrl={Upstreams.CoinGeckoBaseUrl}",
            "--Sources:CoinGecko:RequestsPerMinute=600",
            $"--Sources:Csv:Path={Path.Combine(Folder, "csv")}",
            "--Etl:RunOnStart=true",
            // The CSV's two bad rows make its first run partial: an alert for the Alerts page (forwarded by the AppHost).
            "--Alerts:Rules:0:Kind=run_failed",
            "--Alerts:Rules:0:Source=csv",
            // The services' own logs stay in the Aspire resource logs; the test output keeps warnings and test failures.
            "--Logging:LogLevel:Default=Warning",
            // Refused connections while the services start are expected; a service that never turns healthy fails the start.
            "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=Critical",
        ]);
        ColdStart = StackColdStart;

        Api = new KasparroApiProbe(App.CreateHttpClient(ResourceNames.Api), SchedulerToken);
        await Api.WaitForFinishedRunsAsync(triggerId: null, RunTimeout);
        for (var round = 1; round < IngestionRounds; round++)
        {
            Upstreams.AdvanceSnapshot(Upstreams.Universe.Coins.Count, firstSnapshotAt.AddHours(round));
            var trigger = await Api.TriggerAllAsync(RunTimeout);
            await Api.WaitForFinishedRunsAsync(trigger, RunTimeout);
        }
    }

    protected override async ValueTask DisposeFakesAsync()
    {
        if (Upstreams is not null)
        {
            await Upstreams.DisposeAsync();
        }
    }
}

/// <summary>One end-to-end stack shared by the browser test classes, run alone so timings are not skewed by other stacks.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection : ICollectionFixture<EndToEndStack>
{
    public const string Name = "End-to-end stack";
}
