using System.Text.Json;
using System.Text.Json.Nodes;
using Kasparro.Data.Entities;
using Kasparro.Ingestion.Quality;

namespace Kasparro.Ingestion.Tests.Quality;

public sealed class SchemaDriftDetectorTests
{
    private readonly SchemaDriftDetector detector = new();

    [Fact]
    public void Real_payloads_of_both_apis_show_no_drift()
    {
        Assert.Same(DriftFindings.None, detector.Inspect(Parse(UpstreamSamples.CoinGeckoBitcoin), FieldSets.CoinGeckoMarkets));
        Assert.Same(DriftFindings.None, detector.Inspect(Parse(UpstreamSamples.CoinPaprikaBitcoin), FieldSets.CoinPaprikaTickers));
    }

    [Fact]
    public void A_renamed_field_is_reported_with_the_field_it_replaces_and_a_confidence()
    {
        var payload = Edit(UpstreamSamples.CoinGeckoBitcoin, o => Rename(o, "current_price", "currentPrice"));

        var findings = detector.Inspect(payload, FieldSets.CoinGeckoMarkets);

        var renamed = Assert.Single(findings.Observations, o => o.Kind == DriftKinds.Renamed);
        Assert.Equal(new DriftObservation("currentPrice", DriftKinds.Renamed, DriftSeverity.Warning, "current_price", 0.95m), renamed);
        Assert.Equal(["current_price"], findings.MissingRequired);
        Assert.DoesNotContain(findings.Observations, o => o.Kind == DriftKinds.Unknown);
        Assert.Equal(
            "missing required field 'current_price' (a field 'currentPrice' looks like it was renamed from it, confidence 0.95)",
            findings.DescribeMissingRequired());
    }

    [Fact]
    public void A_rename_with_a_different_spelling_scores_below_a_pure_case_change()
    {
        var payload = Edit(UpstreamSamples.CoinGeckoBitcoin, o => Rename(o, "total_volume", "total_volumes"));

        var renamed = Assert.Single(detector.Inspect(payload, FieldSets.CoinGeckoMarkets).Observations, o => o.Kind == DriftKinds.Renamed);

        Assert.Equal("total_volume", renamed.Suggestion);
        Assert.InRange(renamed.Confidence!.Value, 0.75m, 0.94m);
    }

    [Fact]
    public void A_nested_renamed_field_is_matched_under_its_parent()
    {
        var payload = Edit(UpstreamSamples.CoinPaprikaBitcoin, o => Rename(o["quotes"]!["USD"]!.AsObject(), "price", "Price"));

        var findings = detector.Inspect(payload, FieldSets.CoinPaprikaTickers);

        Assert.Equal(["quotes.USD.price"], findings.MissingRequired);
        var renamed = Assert.Single(findings.Observations, o => o.Kind == DriftKinds.Renamed);
        Assert.Equal(("quotes.USD.Price", "quotes.USD.price"), (renamed.Field, renamed.Suggestion));
    }

    [Fact]
    public void A_removed_required_field_is_critical_and_described_for_the_quarantine()
    {
        var payload = Edit(UpstreamSamples.CoinPaprikaBitcoin, o => o["quotes"]!["USD"]!.AsObject().Remove("price"));

        var findings = detector.Inspect(payload, FieldSets.CoinPaprikaTickers);

        Assert.True(findings.HasMissingRequired);
        Assert.Equal(["quotes.USD.price"], findings.MissingRequired);
        var missing = Assert.Single(findings.Observations);
        Assert.Equal(new DriftObservation("quotes.USD.price", DriftKinds.MissingRequired, DriftSeverity.Critical, null, null), missing);
        Assert.Equal("missing required field 'quotes.USD.price'", findings.DescribeMissingRequired());
    }

    [Fact]
    public void Extra_fields_are_unknown_and_only_informational()
    {
        // Older CoinPaprika responses still carried circulating_supply; a BTC quote appears when quotes=USD,BTC is asked for.
        var payload = Edit(UpstreamSamples.CoinPaprikaBitcoin, o =>
        {
            o["circulating_supply"] = 19986169;
            o["quotes"]!.AsObject()["BTC"] = new JsonObject { ["price"] = 1 };
        });

        var findings = detector.Inspect(payload, FieldSets.CoinPaprikaTickers);

        Assert.False(findings.HasMissingRequired);
        Assert.Equal(
            [
                new DriftObservation("circulating_supply", DriftKinds.Unknown, DriftSeverity.Info, null, null),
                new DriftObservation("quotes.BTC.price", DriftKinds.Unknown, DriftSeverity.Info, null, null),
            ],
            findings.Observations);
    }

    [Fact]
    public void The_inside_of_an_expected_object_field_is_not_schema()
    {
        var payload = Edit(UpstreamSamples.CoinGeckoBitcoin, o => o["roi"] = new JsonObject { ["times"] = 1, ["brand_new"] = true });

        Assert.Same(DriftFindings.None, detector.Inspect(payload, FieldSets.CoinGeckoMarkets));
    }

    [Fact]
    public void A_missing_optional_field_is_a_warning_and_null_is_not_missing()
    {
        var payload = Edit(UpstreamSamples.CoinGeckoBitcoin, o =>
        {
            o.Remove("ath_date");
            o["max_supply"] = null;
        });

        var findings = detector.Inspect(payload, FieldSets.CoinGeckoMarkets);

        Assert.Equal([new DriftObservation("ath_date", DriftKinds.MissingOptional, DriftSeverity.Warning, null, null)], findings.Observations);
        Assert.Empty(findings.MissingRequired);
        Assert.Equal("", findings.DescribeMissingRequired());
    }

    [Fact]
    public void A_CSV_header_is_checked_against_the_CSV_field_set()
    {
        var findings = detector.InspectHeader(["symbol", "priceusd", "name", "exchange"], FieldSets.CsvRows);

        Assert.Equal(["price_usd"], findings.MissingRequired);
        Assert.Contains(new DriftObservation("priceusd", DriftKinds.Renamed, DriftSeverity.Warning, "price_usd", 0.95m), findings.Observations);
        Assert.Contains(new DriftObservation("exchange", DriftKinds.Unknown, DriftSeverity.Info, null, null), findings.Observations);
        Assert.Contains(new DriftObservation("market_cap_usd", DriftKinds.MissingOptional, DriftSeverity.Warning, null, null), findings.Observations);
    }

    [Fact]
    public void A_payload_that_is_not_an_object_misses_every_required_field()
    {
        var findings = detector.Inspect(Parse("[1,2]"), FieldSets.CoinGeckoMarkets);

        Assert.Equal(["id", "symbol", "name", "current_price"], findings.MissingRequired);
    }

    [Theory]
    [InlineData("currentPrice", "current_price", 0.95)]
    [InlineData("market-cap", "market_cap", 0.95)]
    [InlineData("price", "current_price", 0.417)]
    public void Name_similarity_ignores_case_and_separators(string seen, string expected, double similarity)
    {
        Assert.Equal((decimal)similarity, SchemaDriftDetector.NameSimilarity(seen, expected));
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static JsonElement Edit(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return Parse(node.ToJsonString());
    }

    private static void Rename(JsonObject o, string from, string to)
    {
        var value = o[from]?.DeepClone();
        o.Remove(from);
        o[to] = value;
    }
}
