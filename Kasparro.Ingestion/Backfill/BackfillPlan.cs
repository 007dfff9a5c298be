using Kasparro.Data;
using Kasparro.Ingestion.Quality;
using Kasparro.Ingestion.Storage;
using Npgsql;

namespace Kasparro.Ingestion.Backfill;

/// <summary>One CoinGecko asset to backfill, as the latest snapshot describes it.</summary>
public sealed record BackfillTarget(string CoinId, string? AssetId, string Ticker, string? Name, decimal? MarketCapUsd, int? Rank);

/// <summary>One market-chart request: the asset, how many days back it asks for, and where its missing range starts.</summary>
public sealed record BackfillWork(BackfillTarget Target, int Days, DateTimeOffset GapStart, BackfillCheckpoint? Checkpoint)
{
    /// <summary>For an explicit range, the range asked for (one <c>market_chart/range</c> request) instead of days back from now.</summary>
    public BackfillRange? Range { get; init; }
}

/// <summary>
/// Decides what a backfill run fetches: the targets (top N by market cap in the latest CoinGecko snapshot, or the
/// ids asked for), what is missing for each (from its checkpoint), and the order: oldest gap first, so an
/// interrupted run has filled the deepest holes; ties go to the larger market cap.
/// </summary>
public sealed class BackfillPlan
{
    /// <summary>CoinGecko's automatic granularity is hourly up to this many days, daily beyond.</summary>
    public const int HourlyDays = 90;

    private BackfillPlan(IReadOnlyList<BackfillWork> work, IReadOnlyList<BackfillTarget> complete, IReadOnlyList<string> unknown)
    {
        Work = work;
        Complete = complete;
        Unknown = unknown;
    }

    /// <summary>Requests to make, in order.</summary>
    public IReadOnlyList<BackfillWork> Work { get; }

    /// <summary>Targets whose history is already complete for the asked range.</summary>
    public IReadOnlyList<BackfillTarget> Complete { get; }

    /// <summary>Asked-for ids that no CoinGecko snapshot has listed (no symbol or name to link them to an asset).</summary>
    public IReadOnlyList<string> Unknown { get; }

    public int Targets => Work.Count + Complete.Count;

    public static async Task<BackfillPlan> CreateAsync(NpgsqlConnection connection, BackfillRequest request, TimeSpan refreshAfter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var asked = request.AssetIds.Select(id => id.Trim()).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var targets = await LoadTargetsAsync(connection, request.Top, asked, cancellationToken);
        var unknown = asked.Except(targets.Select(t => t.CoinId), StringComparer.Ordinal).ToList();
        var checkpoints = await BackfillCheckpointStore.LoadAllAsync(connection, cancellationToken);

        var wantedFrom = now - TimeSpan.FromDays(request.Days);
        var work = new List<(BackfillWork Work, int Order)>();
        var complete = new List<BackfillTarget>();
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            var checkpoint = checkpoints.GetValueOrDefault(target.CoinId);
            if (request.Range is { } range)
            {
                // An explicit range is complete only when the asset's checkpoint already covers all of it.
                if (checkpoint is not null && checkpoint.From <= range.From && checkpoint.To >= range.To)
                {
                    complete.Add(target);
                }
                else
                {
                    work.Add((new BackfillWork(target, range.Days, range.From, checkpoint) { Range = range }, i));
                }
            }
            else if (checkpoint is null || checkpoint.From > wantedFrom)
            {
                // The older end is missing: market_chart always reaches up to now, so one request covers the whole range.
                work.Add((new BackfillWork(target, request.Days, wantedFrom, checkpoint), i));
            }
            else if (now - checkpoint.To > refreshAfter)
            {
                // Only the recent end is missing (e.g. the snapshots stopped for a while): ask for just that, at least
                // two days so the answer is hourly rather than 5-minutely.
                var days = Math.Max(2, (int)Math.Ceiling((now - checkpoint.To).TotalDays));
                work.Add((new BackfillWork(target, Math.Min(days, request.Days), checkpoint.To, checkpoint), i));
            }
            else
            {
                complete.Add(target);
            }
        }

        return new BackfillPlan(work.OrderBy(w => w.Work.GapStart).ThenBy(w => w.Order).Select(w => w.Work).ToList(), complete, unknown);
    }

    /// <summary>The spacing of a <c>market_chart/range</c> answer spanning <paramref name="days"/> days (hourly up to 90, daily beyond).</summary>
    public static TimeSpan RangeGranularity(int days) => days <= HourlyDays ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);

    /// <summary>The spacing of a market chart of <paramref name="days"/> days (5-minutely, hourly or daily).</summary>
    public static TimeSpan Granularity(int days) => days <= 1 ? TimeSpan.FromMinutes(5) : days <= HourlyDays ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);

    private static async Task<List<BackfillTarget>> LoadTargetsAsync(NpgsqlConnection connection, int top, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        // The asset comes from the mapping the snapshot made; the normalized row gives what resolving one needs otherwise.
        const string select = """
            SELECT n.source_id, m.asset_id, n.ticker, n.name, n.market_cap_usd
              FROM normalized_records n
              LEFT JOIN asset_mappings m ON m.source = n.source AND m.source_id = n.source_id
             WHERE n.source = @source
            """;
        await using var command = new NpgsqlCommand(ids.Count > 0
            ? select + " AND n.source_id = ANY(@ids) ORDER BY n.market_cap_usd DESC NULLS LAST, n.source_id"
            : select + " AND n.market_cap_usd > 0 ORDER BY n.market_cap_usd DESC, n.source_id LIMIT @top", connection);
        command.Parameters.AddWithValue("source", SourceNames.CoinGecko);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.Parameters.AddWithValue("top", top);
        var targets = new List<BackfillTarget>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            targets.Add(new BackfillTarget(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetDecimal(4), null));
        }

        return targets;
    }

    /// <summary>The candidate AssetResolver links when the snapshot left no mapping.</summary>
    public static AssetCandidate Candidate(BackfillTarget target) =>
        new(SourceNames.CoinGecko, target.CoinId, target.Ticker, target.Name, target.MarketCapUsd, target.Rank);
}
