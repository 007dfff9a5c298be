using Bunit;
using Kasparro.Contracts;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Components;

/// <summary>Asset picking with Fluent UI's autocomplete: typing searches the API, choosing navigates (single) or selects (multiple).</summary>
public sealed class AssetPickerTests : DashboardTestContext
{
    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    [Fact]
    public void Typing_searches_the_API_and_lists_the_matches()
    {
        Api.Json("/assets?q=eth", Page(Ethereum));
        var picker = Render<AssetPicker>(p => p.Add(x => x.Href, a => $"/prices/{a.Id}"));

        picker.Find("fluent-text-field").Input("eth");

        picker.WaitForAssertion(() => Assert.Equal("eth-ethereum", picker.Find("[data-testid=asset-result]").GetAttribute("data-asset")));
        Assert.Contains(Api.Requests, r => Uri.UnescapeDataString(r.RequestUri!.PathAndQuery) == "/assets?q=eth&limit=8");
        Assert.Contains("2 sources", picker.Find("[data-testid=asset-result]").TextContent);
    }

    [Fact]
    public void Choosing_an_asset_navigates_to_its_deep_link()
    {
        Api.Json("/assets?q=eth", Page(Ethereum));
        var picker = Render<AssetPicker>(p => p.Add(x => x.Href, a => $"/prices/{a.Id}?range=30d"));
        picker.Find("fluent-text-field").Input("eth");
        picker.WaitForAssertion(() => Assert.NotNull(picker.Find("[data-testid=asset-result]")));

        picker.Find("fluent-option").Click();

        Assert.EndsWith("/prices/eth-ethereum?range=30d", Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Multiple_selects_several_assets_without_navigating()
    {
        Api.Json("/assets?q=b", Page(Bitcoin)).Json("/assets?q=e", Page(Ethereum));
        var chosen = new List<AssetItem>();
        var picker = Render<AssetPicker>(p => p.Add(x => x.Multiple, true)
            .Add(x => x.SelectedChanged, (IEnumerable<AssetItem> assets) => { chosen = assets.ToList(); }));
        var before = Navigation.Uri;

        picker.Find("fluent-text-field").Input("b");
        picker.WaitForAssertion(() => Assert.Equal("btc-bitcoin", picker.Find("[data-testid=asset-result]").GetAttribute("data-asset")));
        picker.Find("fluent-option").Click();
        picker.Render(p => p.Add(x => x.Selected, chosen));
        picker.Find("fluent-text-field").Input("e");
        picker.WaitForAssertion(() => Assert.Equal("eth-ethereum", picker.Find("[data-testid=asset-result]").GetAttribute("data-asset")));
        picker.Find("fluent-option").Click();

        Assert.Equal(["btc-bitcoin", "eth-ethereum"], chosen.Select(a => a.Id));
        Assert.Equal(before, Navigation.Uri);
    }

    [Fact]
    public void Says_so_when_nothing_matches()
    {
        Api.Json("/assets?q=zzz", EmptyPage);
        var picker = Render<AssetPicker>(p => p.Add(x => x.Href, a => $"/prices/{a.Id}"));

        picker.Find("fluent-text-field").Input("zzz");

        picker.WaitForAssertion(() => Assert.Contains("No asset matches “zzz”", picker.Find("[data-testid=asset-search-empty]").TextContent));
        Assert.Empty(picker.FindAll("[data-testid=asset-result]"));
    }

    [Fact]
    public void A_failed_search_shows_the_API_error()
    {
        Api.Unreachable = true;
        var picker = Render<AssetPicker>(p => p.Add(x => x.Href, a => $"/prices/{a.Id}"));

        picker.Find("fluent-text-field").Input("eth");

        picker.WaitForAssertion(() => Assert.Contains("cannot be reached", picker.Find("[data-testid=api-error]").TextContent));
    }
}
