using Bunit;
using Kasparro.Dashboard.Components.Pages;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Grids;

/// <summary>The runs grid pages on the API (limit/offset), shows its total and keeps filters, sort and page in the URL.</summary>
public sealed class RunsGridPagingTests : DashboardTestContext
{
    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    private IReadOnlyList<string> GridRequests() =>
        Api.Requests.Select(r => Uri.UnescapeDataString(r.RequestUri!.PathAndQuery)).Where(q => q.StartsWith("/runs?limit=20&", StringComparison.Ordinal)).ToList();

    [Fact]
    public void The_grid_asks_the_API_for_one_page_and_shows_the_API_total()
    {
        Api.Json("/runs", Page(45, Run(43), Run(42)));

        var page = Render<Runs>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=run-row]").Count));
        Assert.Equal(["/runs?limit=20&offset=0"], GridRequests());
        var paginator = page.Find("[data-testid=runs-paginator]");
        Assert.Contains("45", paginator.QuerySelector(".summary")!.TextContent);
        Assert.Equal("Page 1 of 3", paginator.QuerySelector(".pagination-text")!.TextContent.Trim());

        // Re-rendering the page (as every load does) does not make the grid ask again.
        page.Render();
        page.Render();
        Assert.Equal(["/runs?limit=20&offset=0"], GridRequests());
    }

    [Fact]
    public void The_next_page_is_the_next_offset_and_lands_in_the_URL()
    {
        Api.Json("/runs", Page(45, Run(43), Run(42)));
        Navigation.NavigateTo("/runs");
        var page = Render<Runs>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=run-row]").Count));

        page.Find("[data-testid=runs-paginator] fluent-button[title='Go to next page']").Click();

        page.WaitForAssertion(() => Assert.Contains("/runs?limit=20&offset=20", GridRequests()));
        page.WaitForAssertion(() => Assert.EndsWith("/runs?page=2", Navigation.Uri, StringComparison.Ordinal));
        page.Find("[data-testid=runs-paginator] fluent-button[title='Go to last page']").Click();
        page.WaitForAssertion(() => Assert.Contains("/runs?limit=20&offset=40", GridRequests()));
        page.WaitForAssertion(() => Assert.EndsWith("/runs?page=3", Navigation.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void A_deep_link_restores_filters_sort_and_page()
    {
        Api.Json("/runs", Page(45, Run(23, "csv", "failed")));
        Navigation.NavigateTo("/runs?source=csv&status=failed&sort=-duration_ms&page=2");

        var page = Render<Runs>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=run-row]")));
        Assert.Equal(["/runs?limit=20&offset=20&source=csv&status=failed&sort=-duration_ms"], GridRequests());
        // The charts draw the recent runs of the same filter.
        Assert.Contains(Api.Requests, r => Uri.UnescapeDataString(r.RequestUri!.PathAndQuery) == "/runs?limit=200&offset=0&source=csv&status=failed");
        Assert.Equal("descending", page.Find("th[aria-sort=descending]").GetAttribute("aria-sort"));
        Assert.Contains("Duration", page.Find("th[aria-sort=descending]").TextContent);
        Assert.Equal("Page 2 of 3", page.Find("[data-testid=runs-paginator] .pagination-text").TextContent.Trim());
    }

    [Fact]
    public void Sorting_by_a_column_asks_the_API_to_sort_and_writes_the_sort_to_the_URL()
    {
        Api.Json("/runs", Page(45, Run(43), Run(42)));
        Navigation.NavigateTo("/runs");
        var page = Render<Runs>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=run-row]").Count));

        page.FindAll("th .col-sort-button").Single(b => b.TextContent.Contains("Fetched", StringComparison.Ordinal)).Click();

        page.WaitForAssertion(() => Assert.Contains("/runs?limit=20&offset=0&sort=fetched", GridRequests()));
        page.WaitForAssertion(() => Assert.EndsWith("/runs?sort=fetched", Navigation.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_page_shows_the_API_error_not_an_empty_grid()
    {
        Api.Problem("/runs", System.Net.HttpStatusCode.BadRequest, "Bad Request", "offset: must be a whole number");

        var page = Render<Runs>();

        page.WaitForAssertion(() => Assert.Contains("offset: must be a whole number", page.Find("[data-testid=runs-grid] [data-testid=api-error]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=runs-grid] [data-testid=empty-state]"));
    }
}
