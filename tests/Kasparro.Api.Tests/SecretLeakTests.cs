using System.Net;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Ingestion;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Upstreams;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kasparro.Api.Tests;

/// <summary>
/// Upstream API keys and the scheduler token never show up in logs (at Trace level), traces, metrics or responses,
/// while the upstreams still receive the keys in the headers they expect.
/// </summary>
public sealed class SecretLeakTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly string GeckoKey = $"CG-gecko-secret-{Guid.NewGuid():N}";
    private static readonly string PaprikaKey = $"paprika-secret-{Guid.NewGuid():N}";

    [Fact]
    public async Task Upstream_api_keys_reach_the_upstream_headers_and_nowhere_else()
    {
        await database.ResetAsync();
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions { GeckoProApiKey = GeckoKey, PaprikaProApiKey = PaprikaKey });
        using var telemetry = new CapturedTelemetry();
        var wrongKey = $"wrong-secret-{Guid.NewGuid():N}";

        RunOutcome[] outcomes;
        using (var host = BuildIngestion(upstream, telemetry, GeckoKey, PaprikaKey))
        {
            outcomes = [await Runner(host).RunAsync(SourceNames.CoinGecko, "test", null, default), await Runner(host).RunAsync(SourceNames.CoinPaprika, "test", null, default)];
        }

        RunOutcome refused;
        using (var host = BuildIngestion(upstream, telemetry, wrongKey, wrongKey))
        {
            refused = await Runner(host).RunAsync(SourceNames.CoinPaprika, "test", null, default);
        }

        Assert.All(outcomes, o => Assert.Equal(EtlRunStatus.Success, o.Status));
        Assert.Equal(EtlRunStatus.Failed, refused.Status);
        Assert.Contains("refused access", refused.Error);
        var requests = upstream.Requests;
        Assert.Contains(requests, r => r.Route == UpstreamRoute.GeckoMarkets && r.GeckoProApiKey == GeckoKey && r.GeckoDemoApiKey is null);
        Assert.Contains(requests, r => r.Route == UpstreamRoute.PaprikaTickers && r.Authorization == $"Bearer {PaprikaKey}");
        Assert.True(telemetry.LogCount > 20, "the capture saw too little to prove anything");
        // The capture did see the upstream calls (logs and HTTP client spans name the pro URLs).
        Assert.Contains(telemetry.Lines, line => line.StartsWith("scope", StringComparison.Ordinal) && line.Contains("coingecko-pro", StringComparison.Ordinal));
        Assert.Contains(telemetry.Lines, line => line.StartsWith("activity", StringComparison.Ordinal) && line.Contains("coinpaprika-pro", StringComparison.Ordinal));
        Assert.Contains(telemetry.Lines, line => line.StartsWith("activity", StringComparison.Ordinal));
        Assert.Contains(telemetry.Lines, line => line.StartsWith("metric", StringComparison.Ordinal));
        foreach (var secret in new[] { GeckoKey, PaprikaKey, wrongKey })
        {
            Assert.DoesNotContain(telemetry.Lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, refused.Error, StringComparison.Ordinal);
        }

        await using var db = database.CreateDb();
        Assert.DoesNotContain(db.EtlRuns.Select(r => r.ErrorMessage ?? "").ToList(), m => m.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_scheduler_token_is_never_logged_or_echoed()
    {
        await database.ResetAsync();
        using var telemetry = new CapturedTelemetry();
        var wrongToken = $"wrong-token-{Guid.NewGuid():N}";
        await using var factory = ApiFactory.WithToken(database.ConnectionString);
        // ApiFactory quiets the hosts to warnings; this test must see every level.
        await using var api = factory.WithWebHostBuilder(web => web
            .UseSetting("Logging:LogLevel:Default", "Trace")
            .UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Trace")
            .ConfigureLogging(logging => logging.AddProvider(telemetry).SetMinimumLevel(LogLevel.Trace)));
        var scheduler = api.Services.GetRequiredKeyedService<Quartz.IScheduler>(EtlScheduling.SchedulerName);
        await scheduler.AddJob(Quartz.JobBuilder.Create<ApiFactory.NeverRunJob>()
            .WithIdentity(EtlScheduling.JobName(SourceNames.Csv), EtlScheduling.JobGroup).StoreDurably().Build(), Quartz.AddJobOptions.Replacing);
        using var client = api.CreateClient();

        var bodies = new List<string>();
        foreach (var token in new[] { ApiFactory.SchedulerToken, wrongToken })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/trigger-etl?source=csv");
            request.Headers.Add("X-Scheduler-Token", token);
            using var response = await client.SendAsync(request);
            Assert.Equal(token == wrongToken ? HttpStatusCode.Unauthorized : HttpStatusCode.Accepted, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync() + response.Headers);
        }

        Assert.True(telemetry.LogCount > 0, "the capture saw nothing");
        foreach (var secret in new[] { ApiFactory.SchedulerToken, wrongToken })
        {
            Assert.DoesNotContain(telemetry.Lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(bodies, body => body.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static EtlRunner Runner(IHost host) => host.Services.GetRequiredService<EtlRunner>();

    /// <summary>The ingestion services as the real process composes them (service defaults included), keys set, logging at Trace.</summary>
    private IHost BuildIngestion(UpstreamServer upstream, CapturedTelemetry telemetry, string geckoKey, string paprikaKey)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.Database}"] = database.ConnectionString,
            ["Sources:CoinPaprika:BaseUrl"] = upstream.CoinPaprikaProBaseUrl.ToString(),
            ["Sources:CoinPaprika:ApiKey"] = paprikaKey,
            ["Sources:CoinPaprika:RequestsPerMinute"] = "6000",
            ["Sources:CoinGecko:BaseUrl"] = upstream.CoinGeckoProBaseUrl.ToString(),
            ["Sources:CoinGecko:ApiKey"] = geckoKey,
            ["Sources:CoinGecko:RequestsPerMinute"] = "6000",
            ["Sources:CoinGecko:PerPage"] = "100",
            ["Sources:Csv:Enabled"] = "false",
            ["Etl:MaxRetries"] = "1",
        });
        builder.AddServiceDefaults();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(telemetry);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFilter(_ => true);
        builder.AddKasparroDb();
        builder.AddIngestion();
        return builder.Build();
    }
}
