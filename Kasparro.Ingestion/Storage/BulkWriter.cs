using System.Buffers;
using Kasparro.Data;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Ingestion.Sources;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Storage;

/// <summary>
/// The one bulk writer. Per batch, in the caller's transaction (with the checkpoint and run counts): quarantined
/// rows by binary COPY, raw payloads as array parameters, the price history by binary COPY straight into
/// the partitioned <c>price_points</c> (by series id, <see cref="SeriesStore"/>) when the batch only adds observations newer
/// than each source id's latest record (else, or when the copy meets a stored key, through a staging table and
/// <c>ON CONFLICT DO NOTHING</c>), and the latest normalized
/// record per source id by one set-based upsert.
/// No per-row statements or round trips.
/// </summary>
public static class BulkWriter
{
    private const int MaxQuarantinedContent = 1024 * 1024;

    private const string CreateStages = """
        CREATE TEMP TABLE IF NOT EXISTS etl_history_stage (
            observed_at timestamptz NOT NULL, series_id integer NOT NULL,
            price numeric NOT NULL, market_cap numeric, volume numeric
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS etl_latest_stage (
            source_id text NOT NULL, asset_id text NOT NULL, ticker text NOT NULL, name text,
            price numeric NOT NULL, market_cap numeric, volume numeric, pct numeric, observed_at timestamptz NOT NULL
        ) ON COMMIT DELETE ROWS;
        -- A slow-path batch sorts 20,000 rows for ON CONFLICT; at the default 4 MB the sorts spill to disk
        -- (docs/performance.md). Only this transaction gets the larger budget.
        SET LOCAL work_mem = '64MB'
        """;

    // Parameters as arrays, no staging table: a CSV batch is a single 1.5 MB payload, and staging it would parse and
    // compress it twice.
    private const string InsertRaw = """
        INSERT INTO raw_records (source, source_id, source_timestamp, content_hash, payload, run_id, ingested_at)
        SELECT DISTINCT ON (content_hash) @source, source_id, source_timestamp, content_hash, payload, @run, @now
          FROM unnest(@ids, @timestamps, @hashes, @payloads) AS r(source_id, source_timestamp, content_hash, payload)
         ORDER BY content_hash
        ON CONFLICT (source, content_hash) DO NOTHING
        """;

    private const string MergeHistory = """
        INSERT INTO price_points (observed_at, series_id, is_backfill, price_usd, market_cap_usd, volume_24h_usd)
        SELECT observed_at, series_id, @backfill, price, market_cap, volume FROM etl_history_stage
        ON CONFLICT (series_id, observed_at) DO NOTHING
        RETURNING series_id, observed_at
        """;

    private const string LatestRecordTimes = """
        SELECT source_id, created_at FROM normalized_records WHERE source = @source AND source_id = ANY(@ids)
        """;

    private const string UpsertLatest = """
        INSERT INTO normalized_records (id, source, source_id, asset_id, ticker, name, price_usd, market_cap_usd,
                                        volume_24h_usd, percent_change_24h, created_at, ingested_at)
        SELECT @source || '_' || source_id, @source, source_id, asset_id, ticker, name, price, market_cap, volume, pct, observed_at, @now
          FROM etl_latest_stage
        ON CONFLICT (id) DO UPDATE
           SET asset_id = EXCLUDED.asset_id, ticker = EXCLUDED.ticker, name = EXCLUDED.name, price_usd = EXCLUDED.price_usd,
               market_cap_usd = EXCLUDED.market_cap_usd, volume_24h_usd = EXCLUDED.volume_24h_usd,
               percent_change_24h = EXCLUDED.percent_change_24h, created_at = EXCLUDED.created_at, ingested_at = EXCLUDED.ingested_at
         WHERE normalized_records.created_at < EXCLUDED.created_at
        """;

    /// <summary>
    /// Writes one batch. Counting rules (fetched = inserted + updated + unchanged + quarantined):
    /// unchanged — the observation (source id, source timestamp) was already stored, or repeats within the batch;
    /// inserted — the first new observation of a source id never seen before;
    /// updated — any other new observation (the history gains a point; the latest record moves forward).
    /// <c>newerInNextBatch</c> holds the newest observation per source id in the batch that follows this one in the same
    /// file (empty when there is none): a known source id with a newer observation there keeps its latest record until
    /// that batch moves it.
    /// </summary>
    public static async Task<BatchCounts> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, long runId,
        ResolvedBatch records, IReadOnlyList<SourceRecord> rejected, IReadOnlyList<RawPayload> raw, bool isBackfill,
        IReadOnlyDictionary<string, DateTimeOffset> newerInNextBatch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var counts = new BatchCounts(records.Records.Count + rejected.Count, 0, 0, 0, rejected.Count);
        if (rejected.Count > 0)
        {
            await QuarantineAsync(connection, source, runId, rejected, now, cancellationToken);
        }

        if (records.Records.Count == 0 && raw.Count == 0)
        {
            return counts;
        }

        await ExecuteAsync(connection, transaction, CreateStages, cancellationToken);
        if (raw.Count > 0)
        {
            await WriteRawAsync(connection, transaction, source, runId, raw, now, cancellationToken);
        }

        var assetOf = new Dictionary<string, string>(records.SourceIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < records.SourceIds.Count; i++)
        {
            assetOf[records.SourceIds[i]] = records.AssetIds[i];
        }

        var observations = FirstOfEachObservation(records, await SeriesIdsAsync(connection, transaction, source, records, assetOf, cancellationToken));
        var latestOf = observations.Count > 0 ? await LatestRecordTimesAsync(connection, transaction, source, [.. records.SourceIds], cancellationToken) : [];
        var stored = await WriteHistoryAsync(connection, transaction, observations, MayRepeatStored(observations, records, latestOf), isBackfill, cancellationToken);
        await UpsertLatestAsync(connection, transaction, source, observations, records,
            id => latestOf.ContainsKey(id) && newerInNextBatch.TryGetValue(id, out var next) ? next : null, now, cancellationToken);

        // Stored observations are in key order, so each source id's come together: the first of a new one is inserted.
        int inserted = 0, updated = 0;
        for (var i = 0; i < stored.Count; i++)
        {
            if (StartsItsSeries(stored, i) && !latestOf.ContainsKey(records.SourceIds[stored[i].Source]))
            {
                inserted++;
            }
            else
            {
                updated++;
            }
        }

        return counts with { Inserted = inserted, Updated = updated, Unchanged = records.Records.Count - stored.Count };
    }

    /// <summary>The history series id of each of the batch's source ids, by the source id's position (none for an empty batch).</summary>
    private static async Task<int[]> SeriesIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source,
        ResolvedBatch records, Dictionary<string, string> assetOf, CancellationToken cancellationToken)
    {
        if (records.Records.Count == 0)
        {
            return [];
        }

        var seriesOf = await SeriesStore.IdsAsync(connection, transaction, source, assetOf, cancellationToken);
        var series = new int[records.SourceIds.Count];
        for (var i = 0; i < series.Length; i++)
        {
            series[i] = seriesOf[records.SourceIds[i]];
        }

        return series;
    }

    /// <summary>
    /// The batch without repeated observations (same source id and timestamp; the first one read wins), in key
    /// order (series id, time): then each index page takes its rows together instead of one row per page across the
    /// batch, which halves the index cost of the copy (docs/performance.md), and the sort compares integers, not strings.
    /// Each observation keeps its series id and source id position, so no later pass looks either up by the source id's text.
    /// </summary>
    private static List<Observation> FirstOfEachObservation(ResolvedBatch records, int[] seriesOfSource)
    {
        // Pooled: a new 20,000-entry array per batch lands on the large object heap, and those count towards full GCs.
        var count = records.Records.Count;
        var order = ArrayPool<ObservationOrder>.Shared.Rent(count);
        for (var i = 0; i < count; i++)
        {
            order[i] = new ObservationOrder(seriesOfSource[records.SourceOf[i]], Micros(records.ValuesOf(i).ObservedAt), i);
        }

        Array.Sort(order, 0, count);
        var observations = new List<Observation>(count);
        for (var i = 0; i < count; i++)
        {
            if (i == 0 || order[i].Series != order[i - 1].Series || order[i].Micros != order[i - 1].Micros)
            {
                var row = order[i].Position;
                observations.Add(new Observation(order[i].Series, records.SourceOf[row], records.ValuesOf(row)));
            }
        }

        ArrayPool<ObservationOrder>.Shared.Return(order);
        return observations;
    }

    /// <summary>
    /// Whether observation <paramref name="i"/> of a list in key order is the first (the earliest) of its series, and so of
    /// its source id (a batch's source ids and series ids map one to one).
    /// </summary>
    private static bool StartsItsSeries(IReadOnlyList<Observation> inKeyOrder, int i) => i == 0 || inKeyOrder[i].Series != inKeyOrder[i - 1].Series;

    /// <summary>A record's values with the id of the history series they are written to and the position of its source id in the batch.</summary>
    private readonly record struct Observation(int Series, int Source, MarketValues Values);

    /// <summary>A record's place in key order: series id, time, then position read (so the first read wins).</summary>
    private readonly record struct ObservationOrder(int Series, long Micros, int Position) : IComparable<ObservationOrder>
    {
        public int CompareTo(ObservationOrder other) =>
            Series != other.Series ? Series.CompareTo(other.Series)
            : Micros != other.Micros ? Micros.CompareTo(other.Micros)
            : Position.CompareTo(other.Position);
    }

    /// <summary>PostgreSQL keeps timestamps to the microsecond; two times equal there are one observation here too.</summary>
    private static long Micros(DateTimeOffset observedAt) => observedAt.UtcTicks / 10;


    private static async Task WriteRawAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, long runId,
        IReadOnlyList<RawPayload> raw, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(InsertRaw, connection, transaction);
        insert.Parameters.AddWithValue("source", source);
        insert.Parameters.AddWithValue("run", runId);
        insert.Parameters.AddWithValue("now", now);
        insert.Parameters.AddWithValue("ids", raw.Select(r => r.SourceId).ToArray());
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>("timestamps", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            TypedValue = raw.Select(r => r.SourceTimestamp).ToArray(),
        });
        insert.Parameters.AddWithValue("hashes", raw.Select(r => r.ContentHash).ToArray());
        // As UTF-8 bytes: a CSV chunk is made as UTF-8 and is sent without a round trip through a string.
        insert.Parameters.Add(new NpgsqlParameter<byte[][]>("payloads", NpgsqlDbType.Array | NpgsqlDbType.Json) { TypedValue = raw.Select(r => r.Utf8).ToArray() });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds the batch's observations to the history; returns those that were not stored before.</summary>
    private static async Task<IReadOnlyList<Observation>> WriteHistoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        List<Observation> observations, bool mayRepeatStored, bool isBackfill, CancellationToken cancellationToken)
    {
        if (observations.Count == 0)
        {
            return observations;
        }

        await SeriesStore.PrepareWriteAsync(connection, transaction, FirstOfEachSeriesDay(observations), cancellationToken);
        if (!mayRepeatStored)
        {
            // The guess can be wrong (see MayRepeatStored), and a writer outside this source's lock (a backfill adds to
            // the same series) can get there first: then the copy fails on the key, and the savepoint lets the batch
            // take the staged path instead.
            await transaction.SaveAsync("history_copy", cancellationToken);
            try
            {
                await CopyPointsAsync(connection, $"price_points ({HistoryStorage.PointColumns})", observations, isBackfill, cancellationToken);
                await transaction.ReleaseAsync("history_copy", cancellationToken);
                return observations;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackAsync("history_copy", cancellationToken);
            }
        }

        await CopyPointsAsync(connection, "etl_history_stage (observed_at, series_id, price, market_cap, volume)", observations, null, cancellationToken);
        var added = new HashSet<(int, long)>();
        await using (var merge = new NpgsqlCommand(MergeHistory, connection, transaction))
        {
            merge.Parameters.AddWithValue("backfill", isBackfill);
            await using var reader = await merge.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                added.Add((reader.GetInt32(0), Micros(reader.GetFieldValue<DateTimeOffset>(1))));
            }
        }

        return observations.Where(o => added.Contains((o.Series, Micros(o.Values.ObservedAt)))).ToList();
    }

    /// <summary>
    /// The first observation of each series and UTC day of a list in key order, where a write is prepared per (series,
    /// day): a day's observations of a series come together, so the others would only repeat a pair already sent.
    /// </summary>
    private static IEnumerable<(int Series, DateTimeOffset ObservedAt)> FirstOfEachSeriesDay(List<Observation> inKeyOrder)
    {
        for (var i = 0; i < inKeyOrder.Count; i++)
        {
            var observedAt = inKeyOrder[i].Values.ObservedAt;
            if (StartsItsSeries(inKeyOrder, i) || DayOf(observedAt) != DayOf(inKeyOrder[i - 1].Values.ObservedAt))
            {
                yield return (inKeyOrder[i].Series, observedAt);
            }
        }

        static long DayOf(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerDay;
    }

    /// <summary>
    /// Whether the batch may repeat stored observations: some source id's earliest observation in it is not after that
    /// id's latest record. A batch that only adds observations newer than every latest record (the later rows of a file,
    /// a new snapshot) is copied straight in. A guess from the small table of latest records: history stored past a
    /// latest record not yet moved (a run that failed inside a file) or by a backfill is not seen, and then the copy fails
    /// on the key and the batch takes the staged path. Asking price_history itself costs a probe of the large table per
    /// batch, a noticeable share of a load (docs/performance.md, Load path).
    /// </summary>
    private static bool MayRepeatStored(List<Observation> observations, ResolvedBatch records, Dictionary<string, DateTimeOffset> latestOf)
    {
        // In key order, the first observation of each source id is its earliest.
        for (var i = 0; i < observations.Count; i++)
        {
            var observation = observations[i];
            if (StartsItsSeries(observations, i) && latestOf.TryGetValue(records.SourceIds[observation.Source], out var latest)
                && Micros(observation.Values.ObservedAt) <= Micros(latest))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The time of the latest record of each of <paramref name="sourceIds"/> that had one before this batch.</summary>
    private static async Task<Dictionary<string, DateTimeOffset>> LatestRecordTimesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string source, string[] sourceIds, CancellationToken cancellationToken)
    {
        var latestOf = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(LatestRecordTimes, connection, transaction);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.AddWithValue("ids", sourceIds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            latestOf[reader.GetString(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }

        return latestOf;
    }

    /// <summary>
    /// Moves each source id's normalized record to its newest observation in the batch (never backwards), except where
    /// <paramref name="movedLater"/> names a newer observation the next batch will move it to. A file of hourly
    /// snapshots then moves each coin's record once, in its last batch, instead of once per batch: an update per coin
    /// per batch is a large share of the load (docs/performance.md, Load path). A crash cannot leave a record
    /// behind for good: the checkpoint never passes a batch that has not been written, so the next batch is read again.
    /// </summary>
    private static async Task UpsertLatestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source,
        List<Observation> observations, ResolvedBatch records, Func<string, DateTimeOffset?> movedLater, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // In key order each source id's observations come together, oldest first (one per time): its newest is the last.
        var moving = new List<Observation>();
        for (var i = 0; i < observations.Count; i++)
        {
            var observation = observations[i];
            if ((i + 1 == observations.Count || StartsItsSeries(observations, i + 1))
                && !(movedLater(records.SourceIds[observation.Source]) > observation.Values.ObservedAt))
            {
                moving.Add(observation);
            }
        }

        if (moving.Count == 0)
        {
            return;
        }

        await CopyAsync(connection, "etl_latest_stage (source_id, asset_id, ticker, name, price, market_cap, volume, pct, observed_at)",
            moving, (importer, o) => WriteLatestRow(importer, records.SourceIds[o.Source], records.AssetIds[o.Source], o.Values), cancellationToken);
        await using var upsert = new NpgsqlCommand(UpsertLatest, connection, transaction);
        upsert.Parameters.AddWithValue("source", source);
        upsert.Parameters.AddWithValue("now", now);
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One binary COPY of <paramref name="rows"/>. Values are written with the synchronous calls: they only fill
    /// Npgsql's buffer (a flush every 8 KB is the only I/O), and an awaited call per value costs more CPU than the
    /// value itself (docs/performance.md, Load path).
    /// </summary>
    private static async Task CopyAsync<T>(NpgsqlConnection connection, string target, IEnumerable<T> rows,
        Action<NpgsqlBinaryImporter, T> writeRow, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            importer.StartRow();
            writeRow(importer, row);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// One binary COPY of <paramref name="observations"/> into price_points (columns in <see cref="HistoryStorage.PointColumns"/>
    /// order, with <paramref name="isBackfill"/>) or into the staging table (<paramref name="isBackfill"/> null: the
    /// backfill flag is one parameter of the merge), encoded by <see cref="BinaryCopyWriter"/>: the million-row COPY.
    /// </summary>
    private static async Task CopyPointsAsync(NpgsqlConnection connection, string target, List<Observation> observations, bool? isBackfill,
        CancellationToken cancellationToken)
    {
        await using var copy = await BinaryCopyWriter.BeginAsync(connection, target, cancellationToken);
        var fields = (short)(isBackfill is null ? 5 : 6);
        foreach (var observation in observations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var values = observation.Values;
            await copy.StartRowAsync(fields, cancellationToken);
            copy.WriteTimestampTz(values.ObservedAt);
            copy.WriteInteger(observation.Series);
            if (isBackfill is { } backfill)
            {
                copy.WriteBoolean(backfill);
            }

            copy.WriteNumeric(values.PriceUsd);
            copy.WriteNumeric(values.MarketCapUsd);
            copy.WriteNumeric(values.Volume24hUsd);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private static void WriteLatestRow(NpgsqlBinaryImporter importer, string sourceId, string assetId, MarketValues values)
    {
        importer.Write(sourceId, NpgsqlDbType.Text);
        importer.Write(assetId, NpgsqlDbType.Text);
        importer.Write(values.Ticker, NpgsqlDbType.Text);
        WriteNullable(importer, values.Name, NpgsqlDbType.Text);
        importer.Write(values.PriceUsd, NpgsqlDbType.Numeric);
        WriteNullable(importer, values.MarketCapUsd, NpgsqlDbType.Numeric);
        WriteNullable(importer, values.Volume24hUsd, NpgsqlDbType.Numeric);
        WriteNullable(importer, values.PercentChange24h, NpgsqlDbType.Numeric);
        importer.Write(values.ObservedAt, NpgsqlDbType.TimestampTz);
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type) where T : struct
    {
        if (value is { } v)
        {
            importer.Write(v, type);
        }
        else
        {
            importer.WriteNull();
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, string? value, NpgsqlDbType type)
    {
        if (value is not null)
        {
            importer.Write(value, type);
        }
        else
        {
            importer.WriteNull();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Copies rejected records into <c>quarantined_records</c> with their reasons and raw content (the backfill's writer uses it too).</summary>
    internal static Task QuarantineAsync(NpgsqlConnection connection, string source, long runId, IReadOnlyList<SourceRecord> rejected,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        CopyAsync(connection, "quarantined_records (source, run_id, source_id, location, reason, raw_content, quarantined_at)", rejected,
            (importer, record) =>
            {
                importer.Write(source, NpgsqlDbType.Text);
                importer.Write(runId, NpgsqlDbType.Bigint);
                WriteNullable(importer, StorableText(record.SourceId), NpgsqlDbType.Text);
                importer.Write(StorableText(record.Location) ?? "", NpgsqlDbType.Text);
                importer.Write(StorableText(record.RejectReason) ?? "rejected", NpgsqlDbType.Text);
                importer.Write(StorableText(record.RawPayload) ?? "", NpgsqlDbType.Text);
                importer.Write(now, NpgsqlDbType.TimestampTz);
            },
            cancellationToken);

    /// <summary>PostgreSQL text cannot hold NUL; very large rejected rows are kept in part, saying so.</summary>
    private static string? StorableText(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length > MaxQuarantinedContent)
        {
            text = $"{text[..MaxQuarantinedContent]}… [truncated: {text.Length} characters in all]";
        }

        return text.Contains('\0') ? text.Replace('\0', '\uFFFD') : text;
    }
}
