using Kasparro.Data.Entities;

namespace Kasparro.Ingestion.Quality;

/// <summary>
/// Decides which canonical asset a source row is, by rules that look beyond the ticker, and records how each
/// link was made. A pure function of a snapshot (<see cref="AssetSnapshot"/>, read by <c>Storage/AssetStore</c>)
/// plus the changes it made since: no database, deterministic for a given snapshot and input order. What a source's
/// ids allow comes with each candidate (<see cref="SourceIdentity"/>). Not thread-safe: one run uses it from one thread.
/// </summary>
public sealed class AssetResolver
{
    public const decimal SymbolAndNameConfidence = 0.95m;
    public const decimal SymbolAndMarketCapConfidence = 0.8m;
    public const decimal SymbolOnlyConfidence = 0.6m;

    // Two sources quoting the same coin differ by a few percent; a factor of 10 is a different coin (or broken data).
    private const decimal NameMatchMaxCapRatio = 10m;
    // Without a name to agree on, the market caps themselves must agree closely.
    private const decimal CapMatchMaxCapRatio = 2m;
    private const int CapMatchMaxRankDistance = 3;
    // Below this, unrelated micro tokens sharing a ticker land within 2x of each other by chance: caps alone prove nothing.
    private const decimal CapMatchMinCapUsd = 1_000_000m;

    private readonly AssetOverrides overrides;
    private readonly TimeProvider clock;

    private readonly Dictionary<string, Asset> assets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Asset>> assetsBySymbol = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Source, string SourceId), AssetMapping> mappings = [];
    // Which sources already link to an asset: a source that lists each coin once never gives one asset a second id.
    private readonly Dictionary<string, HashSet<string>> sourcesByAsset = new(StringComparer.Ordinal);
    // Ranks are not stored; they only help within a run, where both sources' rows are fresh.
    private readonly Dictionary<string, int> rankByAsset = new(StringComparer.Ordinal);

    private readonly List<Asset> pendingAssets = [];
    private readonly List<AssetMapping> pendingMappings = [];
    private readonly HashSet<string> raisedMarketCaps = new(StringComparer.Ordinal);

    /// <summary>Starts from the stored snapshot; the snapshot's objects are copied, never changed.</summary>
    public AssetResolver(AssetSnapshot snapshot, AssetOverrides overrides, TimeProvider clock)
    {
        this.overrides = overrides;
        this.clock = clock;
        Reset(snapshot);
    }

    /// <summary>Assets created by <see cref="Resolve"/> since the last <see cref="TakeChanges"/>.</summary>
    public IReadOnlyList<Asset> PendingAssets => pendingAssets;

    /// <summary>Mappings created (or corrected by the override list) since the last <see cref="TakeChanges"/>.</summary>
    public IReadOnlyList<AssetMapping> PendingMappings => pendingMappings;

    /// <summary>Every mapping known, stored or pending, for inspection.</summary>
    public IReadOnlyCollection<AssetMapping> Mappings => mappings.Values;

    /// <summary>Drops pending state (e.g. after the caller's transaction rolled back) and starts again from <paramref name="snapshot"/>.</summary>
    public void Reset(AssetSnapshot snapshot)
    {
        assets.Clear();
        assetsBySymbol.Clear();
        mappings.Clear();
        sourcesByAsset.Clear();
        rankByAsset.Clear();
        pendingAssets.Clear();
        pendingMappings.Clear();
        raisedMarketCaps.Clear();
        foreach (var asset in snapshot.Assets)
        {
            AddAsset(new Asset
            {
                Id = asset.Id, Symbol = asset.Symbol, Name = asset.Name, MarketCapUsd = asset.MarketCapUsd,
                CreatedAt = asset.CreatedAt, UpdatedAt = asset.UpdatedAt,
            });
        }

        foreach (var mapping in snapshot.Mappings)
        {
            AddMapping(mapping);
        }
    }

    /// <summary>
    /// Hands over the pending assets and mappings for the store to write, and forgets them.
    /// Raised market caps (a running maximum that only breaks ties when linking) are included when
    /// <paramref name="withRaisedMarketCaps"/> is set: the ETL does so once per file (per run for an API source)
    /// instead of once per batch, which would update most assets in every batch of a file of snapshots. A failed run
    /// loses only raises it had not written, and the next higher cap seen writes them again. After a failed write the
    /// caller <see cref="Reset"/>s from the database.
    /// </summary>
    public AssetChanges TakeChanges(bool withRaisedMarketCaps = true)
    {
        var pendingIds = pendingAssets.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var raised = withRaisedMarketCaps ? raisedMarketCaps.Where(id => !pendingIds.Contains(id)) : [];
        var changes = new AssetChanges(pendingAssets.Concat(raised.Select(id => assets[id])).ToList(), pendingMappings.ToList(), clock.GetUtcNow());
        pendingAssets.Clear();
        pendingMappings.Clear();
        if (withRaisedMarketCaps)
        {
            raisedMarketCaps.Clear();
        }

        return changes;
    }

    /// <summary>Returns the asset id for the candidate, linking (and if need be creating) it on first sight.</summary>
    public string Resolve(AssetCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var symbol = candidate.Symbol.Trim().ToUpperInvariant();
        var capUsd = candidate.MarketCapUsd is > 0 ? candidate.MarketCapUsd : null;
        var rank = candidate.Rank is > 0 ? candidate.Rank : null;
        var key = (candidate.Source, candidate.SourceId);
        var identity = candidate.Identity;

        mappings.TryGetValue(key, out var existing);
        if (existing is not null && (existing.IsManual || !overrides.TryGet(candidate.Source, candidate.SourceId, identity.SourceIdsIgnoreCase, out _)))
        {
            Observe(existing.AssetId, capUsd, rank);
            return existing.AssetId;
        }

        // The curated list is manual: it wins over anything but another manual link, including an older automatic one.
        if (overrides.TryGet(candidate.Source, candidate.SourceId, identity.SourceIdsIgnoreCase, out var entry))
        {
            if (existing?.AssetId == entry.AssetId)
            {
                Observe(existing.AssetId, capUsd, rank);
                return existing.AssetId;
            }

            if (!assets.ContainsKey(entry.AssetId))
            {
                CreateAsset(entry.AssetId, entry.Symbol, entry.Name, capUsd);
            }

            var note = existing is null
                ? "curated override list"
                : $"curated override list (replaced automatic link to '{existing.AssetId}' by rule {existing.Rule})";
            Link(candidate, entry.AssetId, MappingRules.Override, 1m, isManual: true, note, capUsd, rank);
            return entry.AssetId;
        }

        var sameSymbol = (assetsBySymbol.TryGetValue(symbol, out var list) ? list : [])
            .Where(a => !identity.ListsEachCoinOnce || !IsLinkedFrom(a.Id, candidate.Source))
            .OrderByDescending(a => a.MarketCapUsd ?? -1m)
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .ToList();

        var name = AssetNames.Normalize(candidate.Name);
        if (name.Length > 0)
        {
            var byName = sameSymbol.FirstOrDefault(a =>
                AssetNames.Normalize(a.Name) == name && !CapsDisagree(a.MarketCapUsd, capUsd, NameMatchMaxCapRatio));
            if (byName is not null)
            {
                Link(candidate, byName.Id, MappingRules.SymbolAndName, SymbolAndNameConfidence, false,
                    $"symbol {symbol} and name '{candidate.Name}' match", capUsd, rank);
                return byName.Id;
            }
        }

        var byCap = sameSymbol
            .Where(a => CapsAgree(a, capUsd, rank))
            .OrderBy(a => CapDistance(a.MarketCapUsd, capUsd))
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        if (byCap is not null)
        {
            Link(candidate, byCap.Id, MappingRules.SymbolAndMarketCap, SymbolAndMarketCapConfidence, false,
                $"symbol {symbol} matches and market cap/rank agree (name '{candidate.Name}' differs from '{byCap.Name}')", capUsd, rank);
            return byCap.Id;
        }

        if (identity.SymbolOnly is { } symbolOnly)
        {
            var plausible = sameSymbol.Where(a => !CapsDisagree(a.MarketCapUsd, capUsd, symbolOnly.MaxCapRatio)).ToList();
            if (plausible.Count > 0)
            {
                var chosen = plausible[0];
                var note = sameSymbol.Count == 1
                    ? $"{symbolOnly.Label} symbol {symbol} only: the one asset with that symbol"
                    : $"{symbolOnly.Label} symbol {symbol} only: most plausible of {sameSymbol.Count} assets with that symbol (largest market cap)";
                Link(candidate, chosen.Id, MappingRules.SymbolOnly, SymbolOnlyConfidence, false, note, capUsd, rank);
                return chosen.Id;
            }
        }

        var id = NewAssetId(symbol, candidate);
        CreateAsset(id, symbol, string.IsNullOrWhiteSpace(candidate.Name) ? symbol : candidate.Name.Trim(), capUsd);
        var newNote = assetsBySymbol[symbol].Count > 1
            ? $"symbol {symbol} is shared with {assetsBySymbol[symbol].Count - 1} other asset(s); name and market cap matched none of them"
            : null;
        Link(candidate, id, MappingRules.NewAsset, 1m, false, newNote, capUsd, rank);
        return id;
    }

    /// <summary>
    /// Resolves a batch in the order that makes ids independent of input order: largest market cap first,
    /// so the real coin claims the plain slug before any lookalike.
    /// </summary>
    public Dictionary<(string Source, string SourceId), string> ResolveAll(IEnumerable<AssetCandidate> candidates)
    {
        var result = new Dictionary<(string Source, string SourceId), string>();
        foreach (var candidate in Order(candidates))
        {
            result[(candidate.Source, candidate.SourceId)] = Resolve(candidate);
        }

        return result;
    }

    /// <summary>The processing order <see cref="ResolveAll"/> uses: market cap descending (unknown last), then source, then source id.</summary>
    public static IEnumerable<AssetCandidate> Order(IEnumerable<AssetCandidate> candidates) => candidates
        .OrderByDescending(c => c.MarketCapUsd is > 0 ? c.MarketCapUsd.Value : -1m)
        .ThenBy(c => c.Source, StringComparer.Ordinal)
        .ThenBy(c => c.SourceId, StringComparer.Ordinal);

    private static bool CapsDisagree(decimal? a, decimal? b, decimal maxRatio) =>
        a is > 0 && b is > 0 && Math.Max(a.Value, b.Value) / Math.Min(a.Value, b.Value) > maxRatio;

    private bool CapsAgree(Asset asset, decimal? capUsd, int? rank)
    {
        if (CapsDisagree(asset.MarketCapUsd, capUsd, NameMatchMaxCapRatio))
        {
            return false;
        }

        var capsClose = asset.MarketCapUsd >= CapMatchMinCapUsd && capUsd >= CapMatchMinCapUsd
            && !CapsDisagree(asset.MarketCapUsd, capUsd, CapMatchMaxCapRatio);
        var ranksClose = rank is not null && rankByAsset.TryGetValue(asset.Id, out var assetRank)
            && Math.Abs(assetRank - rank.Value) <= CapMatchMaxRankDistance;
        return capsClose || ranksClose;
    }

    private static decimal CapDistance(decimal? a, decimal? b) =>
        a is > 0 && b is > 0 ? Math.Max(a.Value, b.Value) / Math.Min(a.Value, b.Value) : decimal.MaxValue;

    private bool IsLinkedFrom(string assetId, string source) =>
        sourcesByAsset.TryGetValue(assetId, out var sources) && sources.Contains(source);

    private string NewAssetId(string symbol, AssetCandidate candidate)
    {
        var symbolSlug = AssetNames.Slug(symbol);
        var nameSlug = AssetNames.Slug(candidate.Name);
        var sourceIdSlug = AssetNames.Slug(candidate.SourceId);
        var baseId = string.Join('-', new[] { symbolSlug.Length > 0 ? symbolSlug : "asset", nameSlug.Length > 0 ? nameSlug : sourceIdSlug }
            .Where(p => p.Length > 0));
        if (!assets.ContainsKey(baseId))
        {
            return baseId;
        }

        var withSource = $"{baseId}-{(sourceIdSlug.Length > 0 ? sourceIdSlug : candidate.Source)}";
        var id = withSource;
        for (var n = 2; assets.ContainsKey(id); n++)
        {
            id = $"{withSource}-{n}";
        }

        return id;
    }

    private void CreateAsset(string id, string symbol, string name, decimal? capUsd)
    {
        var now = clock.GetUtcNow();
        var asset = new Asset { Id = id, Symbol = symbol, Name = name, MarketCapUsd = capUsd, CreatedAt = now, UpdatedAt = now };
        AddAsset(asset);
        pendingAssets.Add(asset);
    }

    private void Link(AssetCandidate candidate, string assetId, string rule, decimal confidence, bool isManual, string? note, decimal? capUsd, int? rank)
    {
        var mapping = new AssetMapping
        {
            Source = candidate.Source,
            SourceId = candidate.SourceId,
            AssetId = assetId,
            Rule = rule,
            Confidence = confidence,
            IsManual = isManual,
            Note = note,
            LinkedAt = clock.GetUtcNow(),
        };
        if (mappings.TryGetValue((candidate.Source, candidate.SourceId), out var replaced))
        {
            sourcesByAsset[replaced.AssetId].Remove(candidate.Source);
            pendingMappings.RemoveAll(m => m.Source == candidate.Source && m.SourceId == candidate.SourceId);
        }

        pendingMappings.Add(mapping);
        AddMapping(mapping);
        Observe(assetId, capUsd, rank);
    }

    private void Observe(string assetId, decimal? capUsd, int? rank)
    {
        if (rank is not null && (!rankByAsset.TryGetValue(assetId, out var known) || rank < known))
        {
            rankByAsset[assetId] = rank.Value;
        }

        var asset = assets[assetId];
        if (capUsd is not null && (asset.MarketCapUsd is null || capUsd > asset.MarketCapUsd))
        {
            asset.MarketCapUsd = capUsd;
            asset.UpdatedAt = clock.GetUtcNow();
            raisedMarketCaps.Add(assetId);
        }
    }

    private void AddAsset(Asset asset)
    {
        assets[asset.Id] = asset;
        var symbol = asset.Symbol.ToUpperInvariant();
        if (!assetsBySymbol.TryGetValue(symbol, out var list))
        {
            assetsBySymbol[symbol] = list = [];
        }

        list.Add(asset);
    }

    private void AddMapping(AssetMapping mapping)
    {
        mappings[(mapping.Source, mapping.SourceId)] = mapping;
        if (!sourcesByAsset.TryGetValue(mapping.AssetId, out var sources))
        {
            sourcesByAsset[mapping.AssetId] = sources = new HashSet<string>(StringComparer.Ordinal);
        }

        sources.Add(mapping.Source);
    }
}
