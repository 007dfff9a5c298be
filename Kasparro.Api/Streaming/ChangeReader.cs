using System.Text.Json;
using Kasparro.Api.Contracts;
using Kasparro.Api.Endpoints;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Api.Streaming;

/// <summary>The oldest and newest change ids the log holds, and the newest id ever handed out (0 when none).</summary>
public readonly record struct ChangeLogBounds(long? Oldest, long? Newest, long LastIssued);

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

    public async Task<ChangeLogBounds> BoundsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT min(id), max(id), coalesce(pg_sequence_last_value(pg_get_serial_sequence('change_log', 'id')), 0) FROM change_log");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ChangeLogBounds(
            reader.IsDBNull(0) ? null : reader.GetInt64(0),
            reader.IsDBNull(1) ? null : reader.GetInt64(1),
            reader.GetInt64(2));
    }

    /// <summary>The changes after <paramref name="after"/>, in id order; empty when there are none.</summary>
    public async Task<IReadOnlyList<StreamChange>> ReadAfterAsync(long after, CancellationToken cancellationToken)
    {
        var rows = new List<(long Id, string Kind, string Source, string? RunRow, string[] RecordIds, string[] AssetIds)>();
        await using (var command = dataSource.CreateCommand("""
            SELECT id, kind, source, run_row::text, record_ids, asset_ids FROM (
                SELECT *, sum(cardinality(record_ids)) OVER (ORDER BY id) AS running
                  FROM change_log WHERE id > $1 ORDER BY id LIMIT $2) AS page
             WHERE running - cardinality(record_ids) < $3
             ORDER BY id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ChangesPerRead });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RecordsPerRead });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetFieldValue<string[]>(4), reader.GetFieldValue<string[]>(5)));
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

            changes.Add(new StreamChange(row.Id, row.Kind, row.Source, row.AssetIds.ToHashSet(StringComparer.Ordinal), events));
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
