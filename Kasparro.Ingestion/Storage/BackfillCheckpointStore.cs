using Kasparro.Data;
using Kasparro.Ingestion.Backfill;
using Npgsql;

namespace Kasparro.Ingestion.Storage;

/// <summary>The backfill's checkpoints: one <c>etl_checkpoints</c> row per CoinGecko id, keyed <c>coingecko-history:{id}</c>.</summary>
public static class BackfillCheckpointStore
{
    /// <summary>Every readable backfill checkpoint, by CoinGecko id.</summary>
    public static async Task<Dictionary<string, BackfillCheckpoint>> LoadAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var prefix = BackfillCheckpoint.Key("");
        var result = new Dictionary<string, BackfillCheckpoint>(StringComparer.Ordinal);
        foreach (var (key, position) in await CheckpointStore.LoadAsync(connection, SourceNames.CoinGeckoHistory, cancellationToken))
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && BackfillCheckpoint.Parse(position) is { } checkpoint)
            {
                result[key[prefix.Length..]] = checkpoint;
            }
        }

        return result;
    }

    /// <summary>Stores the asset's checkpoint in the transaction of the points it covers; its watermark is the covered range's end.</summary>
    public static Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string coinId, BackfillCheckpoint checkpoint, long runId,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        CheckpointStore.WriteAsync(connection, transaction, SourceNames.CoinGeckoHistory, BackfillCheckpoint.Key(coinId), checkpoint.ToString(), checkpoint.To,
            runId, now, cancellationToken);
}
