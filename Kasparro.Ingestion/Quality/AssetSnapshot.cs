using Kasparro.Data.Entities;

namespace Kasparro.Ingestion.Quality;

/// <summary>The stored assets and their source links, as identity resolution starts from them (read by <c>AssetStore</c>).</summary>
public sealed record AssetSnapshot(IReadOnlyList<Asset> Assets, IReadOnlyList<AssetMapping> Mappings)
{
    /// <summary>A database with no assets yet.</summary>
    public static AssetSnapshot Empty { get; } = new([], []);
}

/// <summary>
/// What resolution decided since the last write: assets to insert (or whose market cap rose) and links to insert.
/// </summary>
/// <param name="Assets">New assets and existing ones whose running maximum market cap grew.</param>
/// <param name="Mappings">New links, or automatic links replaced by the curated list.</param>
/// <param name="At">When the changes are written (the rows' <c>created_at</c>/<c>updated_at</c>).</param>
public sealed record AssetChanges(IReadOnlyList<Asset> Assets, IReadOnlyList<AssetMapping> Mappings, DateTimeOffset At)
{
    /// <summary>Whether there is nothing to write.</summary>
    public bool IsEmpty => Assets.Count == 0 && Mappings.Count == 0;
}
