namespace Kasparro.Contracts;

/// <summary>One point of a compared series: the bucket's start and the value on the response's basis.</summary>
public sealed record ComparePoint(DateTime T, double Value);

/// <summary>
/// One asset of <c>GET /compare/assets</c>: the source its series comes from, the price it is rebased on, its points,
/// and its statistics over the range (null when the series has too few points for them).
/// </summary>
public sealed record ComparedAsset(
    string AssetId,
    string Symbol,
    string Name,
    string? Source,
    DateTime? BaseT,
    decimal? BasePriceUsd,
    IReadOnlyList<ComparePoint> Points,
    double? RangeReturnPct,
    double? VolatilityPct,
    double? MaxDrawdownPct);

/// <summary>Pairwise Pearson correlation of bucket returns; <c>matrix[i][j]</c> pairs <c>asset_ids[i]</c> and <c>asset_ids[j]</c>.</summary>
public sealed record CorrelationMatrix(IReadOnlyList<string> AssetIds, IReadOnlyList<IReadOnlyList<double?>> Matrix);

/// <summary><c>GET /compare/assets</c>: several assets' series on one basis, their statistics and their correlation.</summary>
public sealed record AssetComparison(
    DateTime From,
    DateTime To,
    string Interval,
    string Basis,
    IReadOnlyList<ComparedAsset> Assets,
    CorrelationMatrix Correlation);

/// <summary>One point of a compared asset's series as a CSV row of <c>/compare/assets?format=csv</c>.</summary>
public sealed record ComparedPointRow(string AssetId, string? Source, DateTime T, double Value);
