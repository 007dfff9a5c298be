using System.Text.Json;
using Bunit;
using Kasparro.Dashboard.Components.Layout;
using Kasparro.Dashboard.Components.Shared;
using Kasparro.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Dashboard.Tests.Components;

/// <summary>Times read in UTC by default or in the browser's local time, a setting in the layout remembered in localStorage.</summary>
public sealed class DisplayTimeTests : DashboardTestContext
{
    private static readonly DateTimeOffset RunStarted = new(2025, 3, 29, 10, 22, 50, TimeSpan.Zero);

    public DisplayTimeTests()
    {
        // What the layout reads besides the time setting: the environment and the sign-in options (sign-in off in Development).
        Services.AddOptions();
        Services.AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Development" });
    }

    [Fact]
    public void Times_read_in_UTC_or_in_the_browser_zone_with_its_offset()
    {
        Assert.Equal("2025-03-29 10:22:50 UTC", DisplayFormat.Time(RunStarted, DisplayTime.Utc));
        // Berlin switched to summer time (UTC+2) at 01:00 UTC on 30 March 2025.
        var berlin = DisplayTime.Local("Europe/Berlin", 60);
        Assert.Equal("2025-03-29 11:22:50 UTC+01:00", DisplayFormat.Time(RunStarted, berlin));
        Assert.Equal("2025-03-30 12:00:00 UTC+02:00", DisplayFormat.Time(new DateTimeOffset(2025, 3, 30, 10, 0, 0, TimeSpan.Zero), berlin));
        Assert.Equal("—", DisplayFormat.Time(null, berlin));
    }

    [Fact]
    public void An_unknown_zone_falls_back_to_the_browser_offset()
    {
        var time = DisplayTime.Local("Not/AZone", -300);

        Assert.Equal("2025-03-29 05:22:50 UTC-05:00", DisplayFormat.Time(RunStarted, time));
    }

    [Fact]
    public void A_zoom_in_local_time_reads_back_as_the_UTC_instant()
    {
        var window = ChartWindow.FromPlotly("2025-03-29 11:00:00", "2025-03-29 13:30:00", DisplayTime.Local("Europe/Berlin", 60));

        Assert.Equal(new ChartWindow(new DateTimeOffset(2025, 3, 29, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 29, 12, 30, 0, TimeSpan.Zero)), window);
        Assert.Equal("2025-03-29 11:00:00", ChartWindow.PlotlyTime(window!.From, DisplayTime.Local("Europe/Berlin", 60)));
    }

    [Fact]
    public void The_layout_starts_in_UTC_switches_to_local_time_and_remembers_it()
    {
        var module = JSInterop.SetupModule("./js/display-time.js");
        module.Setup<BrowserTime?>("read", _ => true).SetResult(new BrowserTime(null, "Asia/Tokyo", 540));
        module.SetupVoid("remember", _ => true).SetVoidResult();

        var layout = Render<MainLayout>(p => p.Add(x => x.Body, ShowsTime()));

        Assert.Equal("utc", layout.Find("[data-testid=time-toggle]").GetAttribute("data-time"));
        Assert.Equal("2025-03-29 10:22:50 UTC", layout.Find("#shown-time").TextContent);

        layout.Find("[data-testid=time-toggle]").Click();

        Assert.Equal("local", layout.Find("[data-testid=time-toggle]").GetAttribute("data-time"));
        Assert.Equal("2025-03-29 19:22:50 UTC+09:00", layout.Find("#shown-time").TextContent);
        var remembered = Assert.Single(module.Invocations, i => i.Identifier == "remember");
        Assert.Equal(["kasparro-time", "local"], remembered.Arguments.Select(a => a?.ToString()));
    }

    [Fact]
    public void A_remembered_local_choice_applies_when_the_page_loads()
    {
        var module = JSInterop.SetupModule("./js/display-time.js");
        module.Setup<BrowserTime?>("read", _ => true).SetResult(new BrowserTime("local", "Asia/Tokyo", 540));

        var layout = Render<MainLayout>(p => p.Add(x => x.Body, ShowsTime()));

        layout.WaitForAssertion(() => Assert.Equal("2025-03-29 19:22:50 UTC+09:00", layout.Find("#shown-time").TextContent));
        Assert.Equal("local", layout.Find("[data-testid=time-toggle]").GetAttribute("data-time"));
    }

    private static RenderFragment ShowsTime() => builder =>
    {
        builder.OpenComponent<CascadingTimeProbe>(0);
        builder.AddAttribute(1, nameof(CascadingTimeProbe.Value), RunStarted);
        builder.CloseComponent();
    };

    /// <summary>A page stand-in: shows one time the way every page does.</summary>
    private sealed class CascadingTimeProbe : ComponentBase
    {
        [Parameter] public DateTimeOffset Value { get; set; }
        [CascadingParameter] public DisplayTime Time { get; set; } = DisplayTime.Utc;

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "span");
            builder.AddAttribute(1, "id", "shown-time");
            builder.AddContent(2, DisplayFormat.Time(Value, Time));
            builder.CloseElement();
        }
    }
}
