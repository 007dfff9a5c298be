using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

public sealed class OverviewTests : DashboardTestContext
{
    private void AnswerEverything()
    {
        Api.Json("/stats", Stats)
            .Json("/assets?", Page(1234, Bitcoin))
            .Json("/data?", Page(5678, DataRecord))
            .Json("/runs?", Page(Run(43, status: "partial"), Run(42)))
            .Json("/divergences?", Page(Divergence));
    }

    [Fact]
    public void Shows_a_loading_state_while_the_API_has_not_answered()
    {
        var never = new TaskCompletionSource();
        Api.Pending("/", never.Task);

        var page = Render<Overview>();

        Assert.NotEmpty(page.FindAll("[data-testid=loading-state]"));
        Assert.Empty(page.FindAll("[data-testid=freshness-card]"));
        never.SetResult();
    }

    [Fact]
    public void Shows_freshness_per_source_with_status_colour_and_age()
    {
        AnswerEverything();

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=freshness-card]").Count));
        var paprika = page.Find("[data-testid=freshness-card][data-source=coinpaprika]");
        Assert.Equal("fresh", paprika.GetAttribute("data-freshness"));
        Assert.Contains("4 min ago", paprika.TextContent);
        var gecko = page.Find("[data-testid=freshness-card][data-source=coingecko]");
        Assert.Equal("stale", gecko.GetAttribute("data-freshness"));
        Assert.Contains("Running now (run #43)", gecko.TextContent);
        Assert.Equal("never", page.Find("[data-testid=freshness-card][data-source=csv]").GetAttribute("data-freshness"));
    }

    [Fact]
    public void Shows_assets_tracked_records_today_last_runs_and_divergences()
    {
        AnswerEverything();

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Contains("1,234", page.Find("[data-testid=assets-tracked]").TextContent));
        Assert.Contains("5,678", page.Find("[data-testid=records-today]").TextContent);
        Assert.Equal(["43", "42"], page.FindAll("[data-testid=runs-table-row]").Select(r => r.GetAttribute("data-run")!));
        var divergence = page.Find("[data-testid=divergence-row]");
        Assert.Equal("usdt-tether", divergence.GetAttribute("data-asset"));
        Assert.Contains("+1.80%", divergence.TextContent);
        // "Today" starts at midnight UTC of the clock's day.
        Assert.Contains(Api.Requests, r => r.RequestUri!.Query.Contains("start_date=2025-03-29T00%3A00%3A00Z", StringComparison.Ordinal)
                                           || Uri.UnescapeDataString(r.RequestUri!.Query).Contains("start_date=2025-03-29T00:00:00Z", StringComparison.Ordinal));
    }

    [Fact]
    public void Shows_empty_states_before_the_first_run()
    {
        Api.Json("/stats", "{}")
            .Json("/assets?", EmptyPage)
            .Json("/data?", EmptyPage)
            .Json("/runs?", EmptyPage)
            .Json("/divergences?", """{"data": []}""");

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=empty-state]").Count));
        Assert.Contains("No ETL runs yet.", page.Markup);
        Assert.Contains("The sources agree.", page.Markup);
        Assert.Contains("0", page.Find("[data-testid=assets-tracked]").TextContent);
    }

    [Fact]
    public void Shows_a_clear_message_when_the_API_is_unreachable()
    {
        Api.Unreachable = true;

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=api-error]").Count));
        Assert.Contains("cannot be reached", page.Find("[data-testid=api-error]").TextContent);
        Assert.Contains("unavailable", page.Find("[data-testid=assets-tracked]").TextContent);
    }

    [Fact]
    public void Shows_the_API_error_when_its_database_is_down()
    {
        AnswerEverything();
        Api.Problem("/stats", System.Net.HttpStatusCode.ServiceUnavailable, "Service Unavailable");

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Contains("database is unavailable", page.Find("[data-testid=api-error]").TextContent));
        Assert.Equal(2, page.FindAll("[data-testid=runs-table-row]").Count);
    }
}
