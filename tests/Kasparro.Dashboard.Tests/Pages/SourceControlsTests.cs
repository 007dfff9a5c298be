using System.Net;
using Bunit;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

/// <summary>The Data quality page's sources panel (drift policy, pause, Resume) and the freshness cards' targets from the API.</summary>
public sealed class SourceControlsTests : DashboardTestContext
{
    private const string SourcesBody = """
        {"items": [
          {"source": "coinpaprika", "on_drift": "evolve", "paused": false, "paused_at": null, "pause_reason": null, "paused_run_id": null,
           "resumed_at": null, "resumed_by": null, "freshness": {"status": "ok", "age_seconds": 240, "warn_after_seconds": 1800, "error_after_seconds": 7200},
           "display_name": "CoinPaprika", "snapshot": true},
          {"source": "coingecko", "on_drift": "pause", "paused": true, "paused_at": "2025-03-29T10:00:00Z",
           "pause_reason": "breaking schema drift: renamed field 'totalVolume' (was 'total_volume', confidence 0.95) (OnDrift = pause)", "paused_run_id": 43,
           "resumed_at": null, "resumed_by": null, "freshness": {"status": "error", "age_seconds": 10800, "warn_after_seconds": 1800, "error_after_seconds": 7200},
           "display_name": "CoinGecko", "snapshot": true}
        ]}
        """;

    private void AnswerDataQuality() =>
        Api.Json("/drift", EmptyPage).Json("/quarantine", EmptyPage).Json("/sources", SourcesBody);

    [Fact]
    public void Data_quality_shows_each_sources_policy_and_why_a_source_is_paused_without_resume_when_the_dashboard_has_no_token()
    {
        AnswerDataQuality();

        var page = Render<DataQuality>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=source-control-row]").Count));
        var gecko = page.Find("[data-testid=source-control-row][data-source=coingecko]");
        Assert.Equal("true", gecko.GetAttribute("data-paused"));
        Assert.Equal("pause", gecko.QuerySelector("[data-testid=source-on-drift]")!.TextContent);
        Assert.Contains("renamed field 'totalVolume'", gecko.QuerySelector("[data-testid=source-pause-reason]")!.TextContent);
        Assert.Contains("run #43", gecko.TextContent);
        Assert.Contains("warn after 30 min, error after 2 h", gecko.TextContent);
        Assert.Empty(page.FindAll("[data-testid=resume-source]"));
    }

    [Fact]
    public void Resume_appears_only_on_a_paused_source_and_posts_with_the_configured_token()
    {
        SchedulerToken.Token = "configured-token";
        AnswerDataQuality();
        Api.Json("/sources/coingecko/resume", """{"source": "coingecko", "paused_at": "2025-03-29T10:00:00Z", "pause_reason": "x", "paused_run_id": 43, "resumed_at": "2025-03-29T10:30:00Z", "resumed_by": "api"}""");
        var page = Render<DataQuality>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=resume-source]")));

        page.Find("[data-testid=resume-source]").Click();

        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid=resume-outcome]").GetAttribute("data-resumed")));
        Assert.Contains("CoinGecko resumed", page.Find("[data-testid=resume-outcome]").TextContent);
        var resume = Api.Requests.Single(r => r.Method == HttpMethod.Post);
        Assert.Equal("/sources/coingecko/resume", resume.RequestUri!.PathAndQuery);
        Assert.Equal("configured-token", resume.Headers.GetValues("X-Scheduler-Token").Single());
    }

    [Fact]
    public void A_refused_resume_says_what_the_API_answered()
    {
        SchedulerToken.Token = "configured-token";
        AnswerDataQuality();
        Api.Problem("/sources/coingecko/resume", HttpStatusCode.Conflict, "Source not paused", "coingecko is not paused: nothing to resume.");
        var page = Render<DataQuality>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=resume-source]")));

        page.Find("[data-testid=resume-source]").Click();

        page.WaitForAssertion(() => Assert.Equal("false", page.Find("[data-testid=resume-outcome]").GetAttribute("data-resumed")));
        Assert.Contains("409: coingecko is not paused: nothing to resume.", page.Find("[data-testid=resume-outcome]").TextContent);
    }

    [Theory]
    [InlineData(1800, 7200, "fresh")]
    [InlineData(60, 7200, "stale")]
    [InlineData(60, 120, "old")]
    public void Freshness_cards_judge_the_last_success_by_the_targets_the_API_sends(int warnAfter, int errorAfter, string expected)
    {
        // coinpaprika's last success is 4 minutes before the test clock.
        var targets = "\"freshness\": {\"status\": \"ok\", \"age_seconds\": 240, \"warn_after_seconds\": " + warnAfter
            + ", \"error_after_seconds\": " + errorAfter + "}";
        var stats = Stats.Replace("\"state\": \"idle\", \"current_run_id\": null},", "\"state\": \"idle\", \"current_run_id\": null, " + targets + "},", StringComparison.Ordinal);
        Assert.NotEqual(Stats, stats);
        Api.Json("/stats", stats).Json("/assets?", EmptyPage).Json("/data?", EmptyPage).Json("/runs?", EmptyPage).Json("/divergences?", EmptyPage);

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=freshness-card]").Count));
        var paprika = page.Find("[data-testid=freshness-card][data-source=coinpaprika]");
        Assert.Equal(expected, paprika.GetAttribute("data-freshness"));
        Assert.Contains($"Stale after {DisplayFormat(warnAfter)} · old after {DisplayFormat(errorAfter)}", paprika.QuerySelector("[data-testid=freshness-targets]")!.TextContent);
    }

    private static string DisplayFormat(int seconds) => Kasparro.Dashboard.Components.Shared.DisplayFormat.Span(TimeSpan.FromSeconds(seconds));
}
