using System.Text.Json;
using Kasparro.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Api.MarketData;
using Kasparro.Api.Runs;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Api.Streaming;

/// <summary>
/// Reads <c>change_log</c> rows and turns them into <see cref="StreamChange"/>s: price changes carry the records as
/// <c>GET /data</c> shows them now, run changes the run as it was committed in <c>GET /runs</c>' shape, serialized once with
/// the API's JSON options.
/// </summary>
public sealed class ChangeReader(NpgsqlDataSource dataSource, IOptions<JsonOptions> json)
{
    /// <summary>Changes per read; a read also stops before it would carry more than <see cref="RecordsPerRead"/> records.</summary>
    public const int ChangesPerRead = 100;

    /// <summary>Records per read (one change is read whole, however large: a CSV batch holds up to 20,000).</summary>
    public const int RecordsPerRead = 20_000;

    /// <summary>The run row as <c>to_jsonb</c> wrote it: the table's snake_case column names.</summary>
    private static readonly JsonSerializerOptions RunRowJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The same projection <c>GET /runs</c> uses, applied to the row the log kept.</summary>
    private static readonly Func<EtlRun, RunItem> ToRunItem = RunsApi.ToItem.Compile();

    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;

    /// <summary>
    /// Only rows of transactions older than every transaction still running are read: a running one may still add rows,
    /// with any id, and reading past it would skip them.
    /// </summary>
    private const string Finished = "xid < pg_snapshot_xmin(pg_current_snapshot())";

    /// <summary>Where change <paramref name="id"/> is in the reading order; null when the log no longer has it.</summary>
    public async Task<ChangeCursor?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT xid::text::bigint FROM change_log WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return await command.ExecuteScalarAsync(cancellationToken) is long xid ? new ChangeCursor(xid, id) : null;
    }

    /// <summary>The last change that can be read now (<see cref="ChangeCursor.Start"/> when there is none).</summary>
    public async Task<ChangeCursor> LatestAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT xid::text::bigint, id FROM change_log WHERE {Finished} ORDER BY xid DESC, id DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new ChangeCursor(reader.GetInt64(0), reader.GetInt64(1)) : ChangeCursor.Start;
    }

    /// <summary>The readable changes after <paramref name="after"/>, in reading order; empty when there are none.</summary>
    public async Task<IReadOnlyList<StreamChange>> ReadAfterAsync(ChangeCursor after, CancellationToken cancellationToken)
    {
        var rows = new List<(long Id, long Xid, string Kind, string Source, string? RunRow, string[] RecordIds, string[] AssetIds)>();
        await using (var command = dataSource.CreateCommand($"""
            SELECT id, xid::text::bigint, kind, source, run_row::text, record_ids, asset_ids FROM (
                SELECT *, sum(cardinality(record_ids)) OVER (ORDER BY xid, id) AS running
                  FROM change_log WHERE (xid, id) > ($1::text::xid8, $2) AND {Finished} ORDER BY xid, id LIMIT $3) AS page
             WHERE running - cardinality(record_ids) < $4
             ORDER BY xid, id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.Xid.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Id });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ChangesPerRead });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RecordsPerRead });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetFieldValue<string[]>(5), reader.GetFieldValue<string[]>(6)));
            }
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var records = await ReadRecordsAsync(rows.Where(r => r.Kind == ChangeLog.PriceKind).SelectMany(r => r.RecordIds).Distinct().ToArray(), cancellationToken);
        var changes = new List<StreamChange>(rows.Count);
        foreach (var row in rows)
        {
            var events = new List<StreamEvent>();
            if (row.Kind == ChangeLog.PriceKind)
            {
                for (var i = 0; i < row.RecordIds.Length; i++)
                {
                    // A record deleted since (only by hand) has nothing to show; its position stays taken.
                    if (records.TryGetValue(row.RecordIds[i], out var record))
                    {
                        events.Add(new StreamEvent(StreamEvent.Price, StreamPosition.IdOf(row.Id, i + 1), i + 1, record.AssetId, JsonSerializer.Serialize(record, _json)));
                    }
                }
            }
            else if (row.RunRow is not null && JsonSerializer.Deserialize<EtlRun>(row.RunRow, RunRowJson) is { } run)
            {
                events.Add(new StreamEvent(StreamEvent.Run, StreamPosition.IdOf(row.Id, 1), 1, null, JsonSerializer.Serialize(ToRunItem(run), _json)));
            }

            changes.Add(new StreamChange(row.Id, row.Xid, row.Kind, row.Source, row.AssetIds.ToHashSet(StringComparer.Ordinal), events));
        }

        return changes;
    }

    private async Task<Dictionary<string, MarketRecordItem>> ReadRecordsAsync(string[] ids, CancellationToken cancellationToken)
    {
        var records = new Dictionary<string, MarketRecordItem>(ids.Length, StringComparer.Ordinal);
        if (ids.Length == 0)
        {
            return records;
        }

        await using var command = dataSource.CreateCommand($"SELECT {MarketRecordQuery.Columns} FROM normalized_records WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var record = MarketRecordQuery.ReadItem(reader);
            records[record.Id] = record;
        }

        return records;
    }
}
