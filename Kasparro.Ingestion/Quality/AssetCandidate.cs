namespace Kasparro.Ingestion.Quality;

/// <summary>What one source says about one of its rows, as input to identity resolution.</summary>
/// <param name="Source">The source tag stored with the link.</param>
/// <param name="SourceId">The source's own id for the row (for CSV, the ticker).</param>
/// <param name="Symbol">The ticker in any case.</param>
/// <param name="Name">The display name, when the source has one.</param>
/// <param name="MarketCapUsd">Null or zero when the source does not know it (zero is treated as unknown: illiquid coins report 0).</param>
/// <param name="Rank">The source's market-cap rank; null or zero when unknown or inactive.</param>
/// <param name="Identity">What the source's ids allow (its registration declares it); a coin listing's by default.</param>
public sealed record AssetCandidate(string Source, string SourceId, string Symbol, string? Name, decimal? MarketCapUsd, int? Rank,
    SourceIdentity? Identity = null)
{
    /// <summary>What the source's ids allow.</summary>
    public SourceIdentity Identity { get; } = Identity ?? SourceIdentity.CoinListing;
}
