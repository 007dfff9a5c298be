using System.Net;
using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class RunCompareTests : DashboardTestContext
{
    private IRenderedComponent<RunCompare> RenderAt(string uri)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(uri);
        return Render<RunCompare>();
    }

    [Fact]
    public void Shows_the_differences_and_anomalies_of_two_runs()
    {
        var runA = Run(42);
        var runB = Run(43, status: "partial", fetched: 120, durationMs: 11000);
        Api.Json("/compare-runs?run_a=42&run_b=43", "{\"run_a\": " + runA + ", \"run_b\": " + runB + ", " + """
            "differences": {"fetched": {"a": 250, "b": 120, "delta": -130, "percent": -52.0},
                            "duration_ms": {"a": 5120, "b": 11000, "delta": 5880, "percent": 114.8},
                            "status": {"a": "success", "b": "partial"}, "error_message": {"a": null, "b": null}},
            "anomalies": [{"kind": "record_drop", "detail": "run 43 fetched 52% fewer records than run 42"},
                          {"kind": "slow_run", "detail": "run 43 took 2.1x as long as run 42"}]}
            """);

        var page = RenderAt("/runs/compare?a=42&b=43");

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=anomaly]").Count));
        Assert.Equal(["record_drop", "slow_run"], page.FindAll("[data-testid=anomaly]").Select(a => a.GetAttribute("data-kind")!));
        var fetched = page.Find("[data-testid=difference][data-field=fetched]");
        Assert.Contains("250", fetched.TextContent);
        Assert.Contains("−130", fetched.TextContent);
        Assert.Contains("-52.0%", fetched.TextContent);
        Assert.Contains("partial", page.Find("[data-testid=difference][data-field=status]").TextContent);
    }

    [Fact]
    public void Without_two_runs_asks_for_them_and_calls_nothing()
    {
        var page = RenderAt("/runs/compare?a=42");

        Assert.Contains("Choose two runs", page.Find("[data-testid=empty-state]").TextContent);
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public void Shows_the_API_message_when_a_run_does_not_exist()
    {
        Api.Problem("/compare-runs", HttpStatusCode.NotFound, "Not Found", "Run 999 does not exist.");

        var page = RenderAt("/runs/compare?a=42&b=999");

        page.WaitForAssertion(() => Assert.Contains("Run 999 does not exist.", page.Find("[data-testid=api-error]").TextContent));
    }

    [Fact]
    public void Shows_a_clear_message_when_the_API_is_unreachable()
    {
        Api.Unreachable = true;

        var page = RenderAt("/runs/compare?a=42&b=43");

        page.WaitForAssertion(() => Assert.Contains("cannot be reached", page.Find("[data-testid=api-error]").TextContent));
    }
}
