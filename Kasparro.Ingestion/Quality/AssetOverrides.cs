using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kasparro.Ingestion.Quality;

/// <summary>
/// One curated identity link: the canonical asset, the id each source uses for it, and ids a source used for it before
/// (real CoinPaprika listed Toncoin as <c>toncoin-the-open-network</c> in 2023, <c>ton-toncoin</c> later).
/// </summary>
public sealed record OverrideEntry(string AssetId, string Symbol, string Name, IReadOnlyDictionary<string, string> Ids,
    IReadOnlyDictionary<string, string[]>? FormerIds = null);

/// <summary>The curated list of source ids that are known to be one asset (kept in the repo as asset-overrides.json).</summary>
public sealed class AssetOverrides
{
    private const string ResourceName = "Kasparro.Ingestion.Quality.asset-overrides.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    // Keyed by (source, source id) compared case-insensitively, with the id as listed: a source whose ids are typed
    // by people (CSV tickers) matches either case, any other source only the exact id.
    private readonly Dictionary<(string Source, string SourceId), (OverrideEntry Entry, string ListedId)> bySourceId;

    private AssetOverrides(IReadOnlyList<OverrideEntry> entries)
    {
        Entries = entries;
        bySourceId = new Dictionary<(string, string), (OverrideEntry, string)>(SourceIdComparer.Instance);
        foreach (var entry in entries)
        {
            var formerIds = (entry.FormerIds ?? new Dictionary<string, string[]>()).SelectMany(p => p.Value.Select(id => (Source: p.Key, Id: id)));
            foreach (var (source, sourceId) in entry.Ids.Select(p => (Source: p.Key, Id: p.Value)).Concat(formerIds))
            {
                if (!bySourceId.TryAdd((source, sourceId), (entry, sourceId)))
                {
                    throw new InvalidDataException(
                        $"asset overrides: {source} id '{sourceId}' is listed for both '{bySourceId[(source, sourceId)].Entry.AssetId}' and '{entry.AssetId}'");
                }
            }
        }
    }

    public IReadOnlyList<OverrideEntry> Entries { get; }

    /// <summary>An empty list, for callers (and tests) that want the automatic rules only.</summary>
    public static AssetOverrides Empty { get; } = new([]);

    /// <summary>The list shipped with the service.</summary>
    public static AssetOverrides LoadDefault()
    {
        using var stream = typeof(AssetOverrides).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    /// <summary>Parses and validates an overrides document; a malformed document is an error, never a silently empty list.</summary>
    public static AssetOverrides Parse(string json)
    {
        OverridesDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<OverridesDocument>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"asset overrides: not valid JSON ({e.Message})", e);
        }

        if (document?.Entries is null)
        {
            throw new InvalidDataException("asset overrides: the document has no 'entries' array");
        }

        var entries = new List<OverrideEntry>(document.Entries.Count);
        var assetIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (raw, index) in document.Entries.Select((e, i) => (e, i)))
        {
            if (string.IsNullOrWhiteSpace(raw.AssetId) || string.IsNullOrWhiteSpace(raw.Symbol) || string.IsNullOrWhiteSpace(raw.Name))
            {
                throw new InvalidDataException($"asset overrides: entry {index} needs asset_id, symbol and name");
            }

            if (raw.Ids is null || raw.Ids.Count == 0 || raw.Ids.Any(p => string.IsNullOrWhiteSpace(p.Key) || string.IsNullOrWhiteSpace(p.Value)))
            {
                throw new InvalidDataException($"asset overrides: entry '{raw.AssetId}' needs at least one non-empty source id");
            }

            if (!assetIds.Add(raw.AssetId))
            {
                throw new InvalidDataException($"asset overrides: asset_id '{raw.AssetId}' is listed twice");
            }

            if (raw.FormerIds is not null && raw.FormerIds.Any(p => string.IsNullOrWhiteSpace(p.Key) || p.Value is null || p.Value.Any(string.IsNullOrWhiteSpace)))
            {
                throw new InvalidDataException($"asset overrides: entry '{raw.AssetId}' has an empty former id");
            }

            entries.Add(new OverrideEntry(raw.AssetId, raw.Symbol.Trim().ToUpperInvariant(), raw.Name.Trim(), raw.Ids, raw.FormerIds));
        }

        return new AssetOverrides(entries);
    }

    /// <summary>The curated entry listing exactly this source id.</summary>
    public bool TryGet(string source, string sourceId, out OverrideEntry entry) => TryGet(source, sourceId, ignoreCase: false, out entry);

    /// <summary>The curated entry listing this source id, in any case when <paramref name="ignoreCase"/> is set.</summary>
    public bool TryGet(string source, string sourceId, bool ignoreCase, out OverrideEntry entry)
    {
        if (bySourceId.TryGetValue((source, sourceId), out var found) && (ignoreCase || string.Equals(found.ListedId, sourceId, StringComparison.Ordinal)))
        {
            entry = found.Entry;
            return true;
        }

        entry = null!;
        return false;
    }

    private sealed record OverridesDocument(List<RawEntry>? Entries);

    private sealed record RawEntry(string? AssetId, string? Symbol, string? Name, Dictionary<string, string>? Ids, Dictionary<string, string[]>? FormerIds);

    private sealed class SourceIdComparer : IEqualityComparer<(string Source, string SourceId)>
    {
        public static readonly SourceIdComparer Instance = new();

        public bool Equals((string Source, string SourceId) x, (string Source, string SourceId) y) =>
            string.Equals(x.Source, y.Source, StringComparison.Ordinal) && string.Equals(x.SourceId, y.SourceId, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string Source, string SourceId) key) =>
            HashCode.Combine(key.Source, StringComparer.OrdinalIgnoreCase.GetHashCode(key.SourceId));
    }
}
