using Kasparro.Dashboard.Api;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>The colours charts draw with, following the light or dark Fluent theme (cascaded by the layout).</summary>
public sealed record ChartTheme(bool IsDark, string Text, string Grid)
{
    public static readonly ChartTheme Light = new(false, "#242424", "#e0e0e0");
    public static readonly ChartTheme Dark = new(true, "#e6e6e6", "#3d3d3d");

    /// <summary>One colour per source, the same on every chart, so CoinGecko is always the same line.</summary>
    public static string SourceColour(string source) => source switch
    {
        Sources.CoinPaprika => "#0f6cbd",
        Sources.CoinGecko => "#8cbd18",
        Sources.Csv => "#e3008c",
        Sources.CoinGeckoHistory => "#ca5010",
        _ => "#8764b8",
    };
}
