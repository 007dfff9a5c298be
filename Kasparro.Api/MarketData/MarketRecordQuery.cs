using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Kasparro.Contracts;
using Npgsql;

namespace Kasparro.Api.MarketData;

/// <summary>The filters of <c>GET /data</c>, already validated; <see cref="Ticker"/> is upper-cased.</summary>
public sealed record MarketRecordFilter(string? Source, string? Ticker, string? AssetId, DateTimeOffset? Start, DateTimeOffset? End)
{
    /// <summary>Identifies the filter for <see cref="ExactTotalCache"/> (the page's limit and offset do not change the total).</summary>
    public string Key => string.Join('\u001f', Source, Ticker, AssetId, Start?.UtcTicks.ToString(CultureInfo.InvariantCulture), End?.UtcTicks.ToString(CultureInfo.InvariantCulture));
}

/// <summary>
/// Reads one page of normalized_records and its exact total in as few round trips as possible: the page and the
/// current snapshot go in one batch; <c>count(*)</c> runs only when <see cref="ExactTotalCache"/> has no total for
/// that snapshot (after a commit, or for a new filter). Plain Npgsql, because this is the hottest endpoint and EF Core's per-query work (two LINQ
/// queries, two round trips) is a large share of its CPU (docs/performance.md, Read path).
/// </summary>
public static class MarketRecordQuery
{
    /// <summary>The columns <see cref="ReadItem"/> reads, in its order.</summary>
    public const string Columns = "id, asset_id, ticker, name, price_usd, market_cap_usd, volume_24h_usd, percent_change_24h, source, created_at, ingested_at";
    private const string SnapshotAndCount = "SELECT pg_current_snapshot()::text, count(*) FROM normalized_records";

    public static async Task<(List<MarketRecordItem> Page, long Total)> ReadAsync(
        NpgsqlDataSource dataSource, ExactTotalCache totals, MarketRecordFilter filter, int limit, int offset, CancellationToken cancellationToken)
    {
        var (where, filterCount) = Where(filter);
        string snapshot;
        var records = new List<MarketRecordItem>(limit);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await using var batch = new NpgsqlBatch(connection);
            var page = new NpgsqlBatchCommand($"SELECT {Columns} FROM normalized_records{where} ORDER BY id LIMIT ${filterCount + 1} OFFSET ${filterCount + 2}");
            AddFilterParameters(page.Parameters, filter);
            page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_current_snapshot()::text"));
            batch.BatchCommands.Add(page);
            // Prepared on each pooled connection once (a no-op afterwards): PostgreSQL then skips parsing and, once it
            // settles on a generic plan, planning, which were most of what it did for this endpoint beyond the minimal
            // reference (docs/performance.md, "API overhead: where the time goes"). At most 32 filter shapes + 1.
            await batch.PrepareAsync(cancellationToken);

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            snapshot = reader.GetString(0);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                records.Add(ReadItem(reader));
            }
        }

        // The connection is back in the pool before counting: requests waiting on a shared count hold none.
        var total = await totals.GetOrCountAsync(filter.Key, snapshot, () => CountAsync(dataSource, filter, where), cancellationToken);
        return (records, total);
    }

    /// <summary>One record in its <c>/data</c> shape from a row of <see cref="Columns"/>.</summary>
    public static MarketRecordItem ReadItem(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetDecimal(4),
        reader.IsDBNull(5) ? null : reader.GetDecimal(5),
        reader.IsDBNull(6) ? null : reader.GetDecimal(6),
        reader.IsDBNull(7) ? null : reader.GetDecimal(7),
        reader.GetString(8),
        reader.GetFieldValue<DateTime>(9),
        reader.GetFieldValue<DateTime>(10));

    /// <summary>
    /// Every matching record in page order, read as the caller takes them (a server-side streaming read, nothing
    /// buffered): the CSV export. <paramref name="limit"/> and <paramref name="offset"/> apply when given.
    /// </summary>
    public static async IAsyncEnumerable<MarketRecordItem> StreamAsync(NpgsqlDataSource dataSource, MarketRecordFilter filter, int? limit, int offset,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (where, filterCount) = Where(filter);
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM normalized_records{where} ORDER BY id"
            + (limit is null ? "" : $" LIMIT ${filterCount + 1}") + $" OFFSET ${filterCount + (limit is null ? 1 : 2)}");
        AddFilterParameters(command.Parameters, filter);
        if (limit is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit.Value });
        }

        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadItem(reader);
        }
    }

    /// <summary>
    /// Counts under the statement's own snapshot, which it reports. Not cancelled with the request: other requests
    /// may be waiting on the same count.
    /// </summary>
    private static async Task<(string Snapshot, long Total)> CountAsync(NpgsqlDataSource dataSource, MarketRecordFilter filter, string where)
    {
        await using var count = dataSource.CreateCommand(SnapshotAndCount + where);
        AddFilterParameters(count.Parameters, filter);
        await using var reader = await count.ExecuteReaderAsync(CancellationToken.None);
        await reader.ReadAsync(CancellationToken.None);
        return (reader.GetString(0), reader.GetInt64(1));
    }

    /// <summary>The WHERE clause and its parameter count; parameters are $1.. in the order of <see cref="AddFilterParameters"/>.</summary>
    private static (string Sql, int Parameters) Where(MarketRecordFilter filter)
    {
        var conditions = new List<string>();
        var next = 1;
        if (filter.Source is not null)
        {
            conditions.Add($"source = ${next++}");
        }

        if (filter.Ticker is not null)
        {
            // upper(ticker): served by ix_normalized_records_upper_ticker_id.
            conditions.Add($"upper(ticker) = ${next++}");
        }

        if (filter.AssetId is not null)
        {
            conditions.Add($"asset_id = ${next++}");
        }

        if (filter.Start is not null)
        {
            conditions.Add($"created_at >= ${next++}");
        }

        if (filter.End is not null)
        {
            conditions.Add($"created_at < ${next++}");
        }

        return (conditions.Count == 0 ? "" : new StringBuilder(" WHERE ").AppendJoin(" AND ", conditions).ToString(), next - 1);
    }

    private static void AddFilterParameters(NpgsqlParameterCollection parameters, MarketRecordFilter filter)
    {
        if (filter.Source is not null)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = filter.Source });
        }

        if (filter.Ticker is not null)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = filter.Ticker });
        }

        if (filter.AssetId is not null)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = filter.AssetId });
        }

        if (filter.Start is not null)
        {
            parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = filter.Start.Value });
        }

        if (filter.End is not null)
        {
            parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = filter.End.Value });
        }
    }
}
