using System.Globalization;
using System.Text.Json;
using Kasparro.Data;
using Npgsql;

namespace Kasparro.Ingestion.Backfill;

/// <summary>
/// How far one asset's history is complete: every market-chart point between <see cref="From"/> and <see cref="To"/>
/// is stored. Kept in <c>etl_checkpoints</c> under <c>coingecko-history:{id}</c> and committed with the points it covers,
/// so an interrupted backfill resumes with the assets it had not finished.
/// </summary>
public sealed record BackfillCheckpoint(DateTimeOffset From, DateTimeOffset To)
{
    public static string Key(string coinId) => $"{SourceNames.CoinGeckoHistory}:{coinId}";

    public static BackfillCheckpoint? Parse(string? position)
    {
        if (string.IsNullOrEmpty(position))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(position);
            return new BackfillCheckpoint(json.RootElement.GetProperty("from").GetDateTimeOffset(), json.RootElement.GetProperty("to").GetDateTimeOffset());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            // An unreadable position means "nothing known to be complete": the asset is fetched again, which adds nothing twice.
            return null;
        }
    }

    /// <summary>This range widened by a completed request that covered <paramref name="from"/> up to <paramref name="to"/>.</summary>
    public BackfillCheckpoint Extend(DateTimeOffset from, DateTimeOffset to) => new(from < From ? from : From, to > To ? to : To);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $$"""{"from":"{{From.UtcDateTime:O}}","to":"{{To.UtcDateTime:O}}"}""");

    /// <summary>Every backfill checkpoint, by CoinGecko id.</summary>
    public static async Task<Dictionary<string, BackfillCheckpoint>> LoadAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT key, position FROM etl_checkpoints WHERE source = @source", connection);
        command.Parameters.AddWithValue("source", SourceNames.CoinGeckoHistory);
        var prefix = Key("");
        var result = new Dictionary<string, BackfillCheckpoint>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            if (key.StartsWith(prefix, StringComparison.Ordinal) && Parse(reader.IsDBNull(1) ? null : reader.GetString(1)) is { } checkpoint)
            {
                result[key[prefix.Length..]] = checkpoint;
            }
        }

        return result;
    }

    public async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string coinId, long runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO etl_checkpoints (key, source, watermark, position, run_id, updated_at)
            VALUES (@key, @source, @watermark, @position, @run, @now)
            ON CONFLICT (key) DO UPDATE
               SET watermark = EXCLUDED.watermark, position = EXCLUDED.position, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at
            """, connection, transaction);
        command.Parameters.AddWithValue("key", Key(coinId));
        command.Parameters.AddWithValue("source", SourceNames.CoinGeckoHistory);
        command.Parameters.AddWithValue("watermark", To);
        command.Parameters.AddWithValue("position", ToString());
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
