using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.Exports;
using Kasparro.Api.History;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Kasparro.Api.Compare;

/// <summary>
/// <c>GET /compare/assets</c>: several assets' prices on one basis (rebased to 100, or % change, at the start of their
/// series in the range), each from one source, with range return, volatility, maximum drawdown and the pairwise
/// correlation of bucket returns. Reads each asset's bucketed history with <see cref="AssetHistoryEndpoint.ReadAsync"/>.
/// </summary>
public static class CompareApi
{
    /// <summary>Most assets one comparison takes (the dashboard shows up to 8).</summary>
    public const int MostAssets = 20;
    private const string Auto = "auto";
    private const string Rebased = "rebased";
    private const string Pct = "pct";
    private static readonly string[] Intervals = [Auto, "1h", "1d"];
    private static readonly string[] Bases = [Rebased, Pct];
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);

    /// <summary>A source is fresh when its last point is at most this many buckets older than the asset's newest point.</summary>
    public const int FreshWithinBuckets = 2;

    public static IEndpointRouteBuilder MapCompareApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/compare/assets", CompareAssetsAsync)
            .WithName("CompareAssets")
            .WithTags("Assets")
            .WithSummary("Several assets rebased to a common start, with range statistics and the correlation of their returns")
            .WithDescription($"ids: 1 to {MostAssets} asset ids, comma-separated. interval=auto picks 1h up to 90 days, 1d beyond; the range is widened to whole buckets. "
                + "Each asset's series comes from source= when given, else from its preferred source: among the sources whose last point in the range is at most "
                + $"{FreshWithinBuckets} buckets older than the asset's newest point (fresh), the one with the most buckets. basis=rebased puts the series' first point at 100, "
                + "basis=pct at 0 (% change). Returns are between consecutive points; volatility is their sample standard deviation per bucket, not annualised; "
                + "correlation is Pearson's over the timestamps both series share (null under two shared returns). "
                + "format=csv (or Accept: text/csv) exports the series as text/csv, one row per point (asset_id, source, t, value); the statistics and the correlation stay in the JSON.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return routes;
    }

    public static async Task<Results<Ok<AssetComparison>, CsvExport, ProblemHttpResult, ValidationProblem>> CompareAssetsAsync(
        HttpContext context,
        NpgsqlDataSource dataSource,
        TimeProvider clock,
        [FromQuery] string? ids,
        [FromQuery] string? from,
        [FromQuery] string? to,
        [FromQuery] string? interval,
        [FromQuery] string? basis,
        [FromQuery] string? source,
        [FromQuery] string? format,
        CancellationToken cancellationToken)
    {
        var query = new QueryValidator();
        var assetIds = Ids(query, ids);
        var start = query.Timestamp(from, "from");
        var end = query.Timestamp(to, "to");
        query.Range(start, end, "to");
        var requested = query.OneOf(interval, "interval", Intervals) ?? Auto;
        var onBasis = query.OneOf(basis, "basis", Bases) ?? Rebased;
        var sourceFilter = query.OneOf(source, "source", SourceNames.Snapshot.ToArray());
        var csv = CsvExport.IsRequested(context.Request, format, query);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rangeEnd = end ?? (start is null ? clock.GetUtcNow() : start.Value + DefaultRange);
        var rangeStart = start ?? rangeEnd - DefaultRange;
        var chosen = requested == Auto ? (rangeEnd - rangeStart <= TimeSpan.FromDays(90) ? "1h" : "1d") : requested;
        var bucket = AssetHistoryEndpoint.BucketWidth(chosen);
        var from0 = HistoryBuckets.StartOf(rangeStart.UtcDateTime, bucket);
        var to0 = HistoryBuckets.EndOf(rangeEnd.UtcDateTime, bucket);
        if ((to0 - from0) / bucket > AssetHistoryEndpoint.MostBuckets)
        {
            query.Fail(requested == Auto ? "from" : "interval", $"the range holds more than {AssetHistoryEndpoint.MostBuckets} buckets of {chosen}; narrow it or use 1d");
            return TypedResults.ValidationProblem(query.Errors);
        }

        var known = await ReadAssetsAsync(dataSource, assetIds, cancellationToken);
        var unknown = assetIds.Where(id => !known.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            return ApiProblems.NotFound($"There is no asset {string.Join(", ", unknown.Select(id => $"'{id}'"))}.");
        }

        var prices = new List<List<(DateTime T, decimal Price)>>();
        var compared = new List<ComparedAsset>();
        foreach (var assetId in assetIds)
        {
            var series = await AssetHistoryEndpoint.ReadAsync(dataSource, assetId, from0, to0, bucket, cancellationToken) ?? [];
            string? chosenSource;
            List<(DateTime T, decimal Price)> points;
            try
            {
                var rows = sourceFilter is null ? Preferred(series, bucket) : series.FirstOrDefault(s => s.Source == sourceFilter);
                chosenSource = rows?.Source;
                points = [];
                foreach (ref readonly var row in rows is null ? [] : rows.Rows)
                {
                    // A zero price cannot be a base or a ratio's denominator.
                    if (row.PriceUsd > 0)
                    {
                        points.Add((row.T, row.PriceUsd));
                    }
                }
            }
            finally
            {
                series.ForEach(rows => rows.Dispose());
            }

            prices.Add(points);
            var (symbol, name) = known[assetId];
            compared.Add(Describe(assetId, symbol, name, chosenSource, points, onBasis == Rebased));
        }

        if (csv)
        {
            // The series as the chart draws them, one row per point; statistics and the matrix stay in the JSON.
            var rows = compared.SelectMany(asset => asset.Points.Select(point => new ComparedPointRow(asset.AssetId, asset.Source, point.T, point.Value)));
            return CsvExport.Of("compare.csv", rows.ToAsyncEnumerable());
        }

        var matrix = new List<IReadOnlyList<double?>>();
        for (var i = 0; i < prices.Count; i++)
        {
            var row = new double?[prices.Count];
            for (var j = 0; j < prices.Count; j++)
            {
                row[j] = j < i ? matrix[j][i] : ComparisonMath.Correlation(prices[i], prices[j]);
            }

            matrix.Add(row);
        }

        return TypedResults.Ok(new AssetComparison(from0, to0, chosen, onBasis, compared, new CorrelationMatrix(assetIds, matrix)));
    }

    /// <summary>The comma-separated ids: 1 to <see cref="MostAssets"/>, each valid text, none twice.</summary>
    private static List<string> Ids(QueryValidator query, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            query.Fail("ids", "is required: comma-separated asset ids, e.g. btc-bitcoin,eth-ethereum");
            return [];
        }

        var ids = raw.Split(',', StringSplitOptions.TrimEntries);
        if (ids.Length > MostAssets)
        {
            query.Fail("ids", $"takes at most {MostAssets} asset ids");
            return [];
        }

        var checker = new QueryValidator();
        var valid = ids.Select(id => checker.Text(id, "ids")).ToList();
        if (!checker.IsValid)
        {
            query.Fail("ids", "every id " + checker.Errors["ids"][0]);
            return [];
        }

        var repeated = valid.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            query.Fail("ids", $"lists '{repeated.Key}' more than once");
            return [];
        }

        return valid!;
    }

    private static async Task<Dictionary<string, (string Symbol, string Name)>> ReadAssetsAsync(
        NpgsqlDataSource dataSource, List<string> ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, symbol, name FROM assets WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids] });
        var assets = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            assets[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return assets;
    }

    /// <summary>
    /// The source with the longest fresh history: among the series whose last point is at most
    /// <see cref="FreshWithinBuckets"/> buckets older than the newest point of any, the one with the most buckets
    /// (then the earliest start, then the source name).
    /// </summary>
    public static HistoryRows? Preferred(IReadOnlyList<HistoryRows> series, TimeSpan bucket)
    {
        var withPoints = series.Where(s => s.Count > 0).ToList();
        if (withPoints.Count == 0)
        {
            return null;
        }

        var newest = withPoints.Max(s => s.Last.T);
        return withPoints
            .Where(s => newest - s.Last.T <= FreshWithinBuckets * bucket)
            .OrderByDescending(s => s.Count)
            .ThenBy(s => s.Rows[0].T)
            .ThenBy(s => s.Source, StringComparer.Ordinal)
            .First();
    }

    private static ComparedAsset Describe(string assetId, string symbol, string name, string? source, List<(DateTime T, decimal Price)> points, bool rebased)
    {
        if (points.Count == 0)
        {
            return new ComparedAsset(assetId, symbol, name, source, null, null, [], null, null, null);
        }

        var basePrice = points[0].Price;
        var closes = points.Select(p => p.Price).ToList();
        var returns = ComparisonMath.Returns(closes);
        return new ComparedAsset(assetId, symbol, name, source, points[0].T, basePrice,
            points.Select(p => new ComparePoint(p.T, ComparisonMath.Value(p.Price, basePrice, rebased))).ToList(),
            points.Count < 2 ? null : ComparisonMath.Value(closes[^1], basePrice, rebased: false),
            ComparisonMath.Volatility(returns),
            ComparisonMath.MaxDrawdown(closes));
    }
}
