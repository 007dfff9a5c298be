using Kasparro.Contracts;
using Kasparro.Dashboard.Components.Shared;

namespace Kasparro.Dashboard.Api;

/// <summary>
/// The sources as the API lists them (<c>GET /sources</c>): their tags in the API's order, names for people, which write
/// snapshots, and a chart colour each from the theme palette by position. Filled once by
/// <see cref="KasparroApiClient.LoadSourcesAsync"/>; until then (or while the API is unreachable) a source shows under its tag.
/// </summary>
public sealed class SourceCatalog
{
    private volatile IReadOnlyList<SourceControlItem>? _sources;

    /// <summary>Whether the API's list has been read.</summary>
    public bool IsLoaded => _sources is not null;

    /// <summary>Every source a run can have, in the API's order.</summary>
    public IReadOnlyList<string> All => (_sources ?? []).Select(s => s.Source).ToList();

    /// <summary>Sources of price snapshots (what <c>POST /trigger-etl</c> runs when no source is given).</summary>
    public IReadOnlyList<string> Snapshot => (_sources ?? []).Where(s => s.Snapshot).Select(s => s.Source).ToList();

    /// <summary>A name for people: "CoinGecko" rather than "coingecko"; the tag itself when the API did not name it.</summary>
    public string DisplayName(string source) =>
        (_sources ?? []).FirstOrDefault(s => s.Source == source)?.DisplayName is { Length: > 0 } name ? name : source;

    /// <summary>One colour per source, the same on every chart: the palette's colour at the source's position in the list.</summary>
    public string Colour(string source)
    {
        var index = All.ToList().IndexOf(source);
        return index < 0 ? ChartTheme.UnlistedSourceColour : ChartTheme.SourcePalette[index % ChartTheme.SourcePalette.Count];
    }

    /// <summary>The position of a source in the API's order, for sorting; unlisted sources last.</summary>
    public int Position(string source) => All.ToList().IndexOf(source) is var i && i >= 0 ? i : int.MaxValue;

    /// <summary>Takes the API's list.</summary>
    public void Use(IReadOnlyList<SourceControlItem> sources) => _sources = sources;
}
