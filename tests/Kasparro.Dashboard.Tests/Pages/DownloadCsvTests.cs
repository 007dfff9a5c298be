using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Pages;

/// <summary>Every "Download CSV" link asks for exactly the query the page showed.</summary>
public sealed class DownloadCsvTests : DashboardTestContext
{
    [Fact]
    public void The_prices_download_is_the_history_of_the_charted_range()
    {
        Api.Json("/assets/btc-bitcoin/history", BitcoinHistory).Json("/assets/btc-bitcoin", BitcoinDetail);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/prices/btc-bitcoin?range=30d");

        var page = Render<Prices>(p => p.Add(x => x.AssetId, "btc-bitcoin"));

        var link = page.WaitForElement("[data-testid=prices-download]");
        var history = Api.Requests.Single(r => r.RequestUri!.AbsolutePath.EndsWith("/history", StringComparison.Ordinal));
        Assert.Equal("/download/assets/btc-bitcoin/history.csv" + history.RequestUri!.Query, link.GetAttribute("href"));
        Assert.True(link.HasAttribute("download"));
    }

    [Fact]
    public void The_runs_download_is_the_runs_the_grid_and_charts_hold()
    {
        Api.Json("/runs", Page(Run(2), Run(1)));

        var page = Render<Runs>();

        var link = page.WaitForElement("[data-testid=runs-download]");
        // The charts' recent runs (the grid pages through the same filter 20 at a time).
        page.WaitForAssertion(() => Assert.Equal(2, Api.Requests.Count(r => r.RequestUri!.AbsolutePath == "/runs")));
        var runs = Api.Requests.Single(r => r.RequestUri!.AbsolutePath == "/runs" && r.RequestUri.Query.Contains("limit=200", StringComparison.Ordinal));
        Assert.Equal("/download/runs.csv" + runs.RequestUri!.Query, link.GetAttribute("href"));
    }

    [Fact]
    public void The_quarantine_download_is_the_page_shown()
    {
        Api.Json("/quarantine", EmptyPage).Json("/drift", EmptyPage);

        var page = Render<DataQuality>();

        var link = page.WaitForElement("[data-testid=quarantine-download]");
        var quarantine = Api.Requests.Single(r => r.RequestUri!.AbsolutePath == "/quarantine");
        Assert.Equal("/download/quarantine.csv" + quarantine.RequestUri!.Query, link.GetAttribute("href"));
    }

    [Fact]
    public void The_drift_download_is_the_page_shown()
    {
        Api.Json("/quarantine", EmptyPage).Json("/drift", EmptyPage);

        var page = Render<DataQuality>();

        var link = page.WaitForElement("[data-testid=drift-download]");
        var drift = Api.Requests.Single(r => r.RequestUri!.AbsolutePath == "/drift");
        Assert.Equal("/download/drift.csv" + drift.RequestUri!.Query, link.GetAttribute("href"));
    }
}
