namespace Kasparro.Dashboard.Api;

/// <summary>One point of a compared series: the bucket's start and the value on the comparison's basis.</summary>
public sealed record ComparePoint(DateTimeOffset T, double Value);

/// <summary>One asset of <c>GET /compare/assets</c>: its series, where it comes from, and its range statistics.</summary>
public sealed record ComparedAsset(string AssetId, string Symbol, string Name, string? Source, DateTimeOffset? BaseT, decimal? BasePriceUsd,
    IReadOnlyList<ComparePoint> Points, double? RangeReturnPct, double? VolatilityPct, double? MaxDrawdownPct);

/// <summary>The pairwise correlation of the assets' returns; <c>Matrix[i][j]</c> pairs <c>AssetIds[i]</c> and <c>AssetIds[j]</c>.</summary>
public sealed record CorrelationMatrix(IReadOnlyList<string> AssetIds, IReadOnlyList<IReadOnlyList<double?>> Matrix);

/// <summary><c>GET /compare/assets</c>.</summary>
public sealed record AssetComparison(DateTimeOffset From, DateTimeOffset To, string Interval, string Basis, IReadOnlyList<ComparedAsset> Assets, CorrelationMatrix Correlation);
