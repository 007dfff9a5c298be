using Kasparro.Data;
using Kasparro.Ingestion.Quality;

namespace Kasparro.Ingestion.Tests.Quality;

/// <summary>The curated overrides list: current ids and the ids a source used for a coin before.</summary>
public sealed class AssetOverridesTests
{
    [Fact]
    public void A_former_id_resolves_to_the_same_curated_asset_as_the_current_id()
    {
        var overrides = AssetOverrides.LoadDefault();

        Assert.True(overrides.TryGet(SourceNames.CoinPaprika, "ton-toncoin", out var current));
        Assert.True(overrides.TryGet(SourceNames.CoinPaprika, "toncoin-the-open-network", out var former));
        Assert.Same(current, former);
        Assert.Equal("ton-toncoin", former.AssetId);
        Assert.False(overrides.TryGet(SourceNames.CoinGecko, "toncoin-the-open-network", out _));
    }

    [Fact]
    public void A_former_id_claimed_by_two_entries_is_refused()
    {
        const string json = """
            { "entries": [
              { "asset_id": "a", "symbol": "A", "name": "A", "ids": { "coinpaprika": "a-a" }, "former_ids": { "coinpaprika": ["old"] } },
              { "asset_id": "b", "symbol": "B", "name": "B", "ids": { "coinpaprika": "old" } } ] }
            """;

        var error = Assert.Throws<InvalidDataException>(() => AssetOverrides.Parse(json));
        Assert.Contains("'old' is listed for both 'a' and 'b'", error.Message);
    }

    [Fact]
    public void An_empty_former_id_is_refused()
    {
        const string json = """{ "entries": [ { "asset_id": "a", "symbol": "A", "name": "A", "ids": { "coinpaprika": "a-a" }, "former_ids": { "coinpaprika": [" "] } } ] }""";

        Assert.Throws<InvalidDataException>(() => AssetOverrides.Parse(json));
    }
}
