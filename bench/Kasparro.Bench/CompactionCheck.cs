using System.Diagnostics;
using Kasparro.Data;
using Kasparro.Ingestion.History;
using Kasparro.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kasparro.Bench;

/// <summary>
/// The cold compaction step of <c>scale</c> (issue 16, "≤ 40 bytes overall once cold months are compacted"): every month
/// that ended more than <c>--compact-after</c> days ago goes through the ingestion's own <see cref="HistoryCompactor"/>;
/// the points of a sample of series, read through <see cref="HistoryCompaction.ObservationsFunction"/> as every reader
/// reads them, must hash the same before and after (numbers as text, so 1.50 and 1.5 differ); then the storage again.
/// </summary>
public static class CompactionCheck
{
    /// <summary>The sample's points as one MD5 of their text, in key order.</summary>
    private const string Digest = $"""
        SELECT count(*), md5(string_agg(concat_ws(' ', p.series_id, p.observed_at, p.is_backfill, p.price_usd, p.market_cap_usd, p.volume_24h_usd),
                                        ';' ORDER BY p.series_id, p.observed_at))
          FROM {HistoryCompaction.ObservationsFunction}(array(SELECT id FROM {HistoryStorage.SeriesTable} WHERE id % 17 = 0), '-infinity', 'infinity') p
        """;

    /// <summary>
    /// Compacts, prints what it did and how long it took, and a 7-day raw read of 200 random series from the seed's last
    /// week (rows) and from a week 120 days earlier (compacted, when it is), both before and after; false when the sample's
    /// points changed.
    /// </summary>
    public static async Task<bool> RunAsync(string connectionString, int compactAfterDays, DateTimeOffset seedEnd, int series)
    {
        var weeks = new[] { ("last week", seedEnd.AddDays(-7)), ("120 days earlier", seedEnd.AddDays(-127)) };
        foreach (var (label, from) in weeks)
        {
            await PrintWeekReadsAsync(connectionString, $"before, {label}", from, series);
        }

        var before = await DigestAsync(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var clock = Stopwatch.StartNew();
        var months = await new HistoryCompactor(dataSource, TimeProvider.System, NullLogger.Instance)
            .CompactAsync(TimeSpan.FromDays(compactAfterDays), CancellationToken.None);
        var elapsed = clock.Elapsed;
        var points = months.Sum(m => m.Points);
        Console.WriteLine($"compaction (History:CompactAfter = {compactAfterDays} days): {months.Count} months, {points:N0} points into " +
            $"{months.Sum(m => m.Chunks):N0} chunks in {elapsed.TotalSeconds:F0} s ({points / Math.Max(elapsed.TotalSeconds, 0.001):N0} points/s), emptied partitions vacuumed and truncated");
        var after = await DigestAsync(connectionString);
        var same = before == after;
        Console.WriteLine($"compaction exactness: {before.Points:N0} points of every 17th series, md5 {before.Hash} before, {after.Hash} after: " +
            (same ? "identical" : "DIFFERENT"));
        foreach (var (label, from) in weeks)
        {
            await PrintWeekReadsAsync(connectionString, $"after, {label}", from, series);
        }

        return same;
    }

    /// <summary>One connection, 200 reads of a random series' week through the readers' function: database time as the client sees it.</summary>
    private static async Task PrintWeekReadsAsync(string connectionString, string label, DateTimeOffset from, int series)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT count(*), sum(length(price_usd::text)) FROM {HistoryCompaction.ObservationsFunction}(ARRAY[$1], $2, $3)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<int>());
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from.AddDays(7) });
        await command.PrepareAsync();
        var random = new Random(7);
        var times = new List<double>();
        long points = 0;
        for (var i = 0; i < 200; i++)
        {
            ((NpgsqlParameter<int>)command.Parameters[0]).TypedValue = random.Next(1, series + 1);
            var clock = Stopwatch.StartNew();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                points += reader.GetInt64(0);
            }

            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine($"7-day raw read through {HistoryCompaction.ObservationsFunction}, {label} (from {from:yyyy-MM-dd}): 200 random series, " +
            $"{points / 200.0:N0} points each, p50 {times[100]:F2} ms, p99 {times[197]:F2} ms");
    }

    private static async Task<(long Points, string Hash)> DigestAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Digest, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.IsDBNull(1) ? "" : reader.GetString(1));
    }
}
