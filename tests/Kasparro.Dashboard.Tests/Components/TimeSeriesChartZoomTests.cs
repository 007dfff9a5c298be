using Bunit;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace Kasparro.Dashboard.Tests.Components;

/// <summary>
/// A chart's zoom reaches its page: once drawn, the chart hands its element to js/chart-zoom.js (which attaches plotly's
/// relayout listener when the element is really drawn), and the x range that script reports becomes the page's window.
/// </summary>
public sealed class TimeSeriesChartZoomTests : DashboardTestContext
{
    private static IReadOnlyList<ChartSeries> Series(params decimal?[] values) =>
        [new ChartSeries("coingecko", "CoinGecko", "#000", values.Select((_, i) => Now.AddHours(i)).ToList(), values)];

    [Fact]
    public void A_drawn_chart_is_watched_for_zooms_and_a_reported_range_becomes_the_window()
    {
        var zoomModule = JSInterop.SetupModule("./js/chart-zoom.js");
        zoomModule.SetupVoid("watchZoom", _ => true);
        ChartWindow? zoomed = null;
        var chart = Render<CascadingValue<ChartTheme?>>(c => c
            .Add(x => x.Value, ChartTheme.Light)
            .AddChildContent<TimeSeriesChart>(p => p
                .Add(x => x.TestId, "c")
                .Add(x => x.Series, Series(1, 2, 3))
                .Add(x => x.OnZoom, (ChartWindow window) => zoomed = window)));

        chart.WaitForAssertion(() => Assert.Single(zoomModule.Invocations, i => i.Identifier == "watchZoom"));
        var watch = zoomModule.Invocations.Single(i => i.Identifier == "watchZoom");
        Assert.Equal(chart.Find("[id^=c-plot-]").Id, watch.Arguments[0]);

        var inner = chart.FindComponent<TimeSeriesChart>();
        inner.InvokeAsync(() => inner.Instance.Zoomed("2026-12-01 09:00:00", "2026-12-01 12:30:00"));
        Assert.Equal(new ChartWindow(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 12, 30, 0, TimeSpan.Zero)), zoomed);

        // A range plotly cannot mean (reversed) is not a zoom; a redraw of the same element is not watched twice.
        zoomed = null;
        inner.InvokeAsync(() => inner.Instance.Zoomed("2026-12-01 12:30:00", "2026-12-01 09:00:00"));
        Assert.Null(zoomed);
        inner.Render(p => p.Add(x => x.Series, Series(5, 2, 3)));
        Assert.Single(zoomModule.Invocations, i => i.Identifier == "watchZoom");
    }

    [Fact]
    public void A_chart_without_a_zoom_handler_is_not_watched()
    {
        var zoomModule = JSInterop.SetupModule("./js/chart-zoom.js");
        var chart = Render<CascadingValue<ChartTheme?>>(c => c
            .Add(x => x.Value, ChartTheme.Light)
            .AddChildContent<TimeSeriesChart>(p => p.Add(x => x.TestId, "c").Add(x => x.Series, Series(1, 2, 3))));

        chart.WaitForAssertion(() => Assert.NotNull(chart.Find("[id^=c-plot-]")));
        Assert.Empty(zoomModule.Invocations);
    }
}
