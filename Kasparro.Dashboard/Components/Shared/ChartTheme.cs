namespace Kasparro.Dashboard.Components.Shared;

/// <summary>The colours charts draw with, following the light or dark Fluent theme (cascaded by the layout).</summary>
public sealed record ChartTheme(bool IsDark, string Text, string Grid)
{
    public static readonly ChartTheme Light = new(false, "#242424", "#e0e0e0");
    public static readonly ChartTheme Dark = new(true, "#e6e6e6", "#3d3d3d");

    /// <summary>Source colours (Fluent's blue, lime, magenta, orange, teal, ...), given out by position in the API's source list.</summary>
    public static readonly IReadOnlyList<string> SourcePalette = ["#0f6cbd", "#8cbd18", "#e3008c", "#ca5010", "#038387", "#986f0b", "#4f6bed"];

    /// <summary>The colour of a source the API's list does not name.</summary>
    public const string UnlistedSourceColour = "#8764b8";
}
