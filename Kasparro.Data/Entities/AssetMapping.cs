namespace Kasparro.Data.Entities;

/// <summary>An auditable link from one source's id to a canonical <see cref="Asset"/>.</summary>
public class AssetMapping
{
    public required string Source { get; set; }
    public required string SourceId { get; set; }
    public required string AssetId { get; set; }
    /// <summary>How the link was made, one of <see cref="MappingRules"/>.</summary>
    public required string Rule { get; set; }
    /// <summary>0..1: how sure the rule is.</summary>
    public decimal Confidence { get; set; }
    /// <summary>Made from the curated override list or by a person; automatic rules never change it.</summary>
    public bool IsManual { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset LinkedAt { get; set; }
}

/// <summary>The rules that can link a source id to an asset.</summary>
public static class MappingRules
{
    public const string Override = "override";
    public const string SymbolAndName = "symbol_name";
    public const string SymbolAndMarketCap = "symbol_market_cap";
    public const string SymbolOnly = "symbol_only";
    public const string NewAsset = "new_asset";
}
