using Kasparro.Data.Entities;
using Kasparro.Ingestion.Quality;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Storage;

/// <summary>The SQL of the <c>assets</c> and <c>asset_mappings</c> tables: the snapshot identity resolution starts from, and its changes.</summary>
public static class AssetStore
{
    /// <summary>Reads every asset and every source link.</summary>
    public static async Task<AssetSnapshot> LoadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var assets = new List<Asset>();
        await using (var command = new NpgsqlCommand("SELECT id, symbol, name, market_cap_usd, created_at, updated_at FROM assets ORDER BY id", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                assets.Add(new Asset
                {
                    Id = reader.GetString(0),
                    Symbol = reader.GetString(1),
                    Name = reader.GetString(2),
                    MarketCapUsd = reader.IsDBNull(3) ? null : reader.GetDecimal(3),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
                    UpdatedAt = reader.GetFieldValue<DateTimeOffset>(5),
                });
            }
        }

        var mappings = new List<AssetMapping>();
        await using (var command = new NpgsqlCommand(
            "SELECT source, source_id, asset_id, rule, confidence, is_manual, note, linked_at FROM asset_mappings ORDER BY source, source_id", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                mappings.Add(new AssetMapping
                {
                    Source = reader.GetString(0),
                    SourceId = reader.GetString(1),
                    AssetId = reader.GetString(2),
                    Rule = reader.GetString(3),
                    Confidence = reader.GetDecimal(4),
                    IsManual = reader.GetBoolean(5),
                    Note = reader.IsDBNull(6) ? null : reader.GetString(6),
                    LinkedAt = reader.GetFieldValue<DateTimeOffset>(7),
                });
            }
        }

        return new AssetSnapshot(assets, mappings);
    }

    /// <summary>
    /// Writes the changes in two set-based statements inside the caller's transaction. A mapping another run wrote
    /// first is kept (never duplicated); only a manual link replaces an automatic one. GREATEST keeps the larger
    /// market cap if another run raced us.
    /// </summary>
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AssetChanges changes, CancellationToken ct)
    {
        if (changes.Assets.Count > 0)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO assets (id, symbol, name, market_cap_usd, created_at, updated_at)
                SELECT id, symbol, name, market_cap_usd, @now, @now
                FROM unnest(@ids, @symbols, @names, @caps) AS t(id, symbol, name, market_cap_usd)
                ON CONFLICT (id) DO UPDATE
                SET market_cap_usd = GREATEST(assets.market_cap_usd, excluded.market_cap_usd),
                    updated_at = excluded.updated_at
                WHERE excluded.market_cap_usd > assets.market_cap_usd
                   OR (assets.market_cap_usd IS NULL AND excluded.market_cap_usd IS NOT NULL)
                """, connection, transaction);
            command.Parameters.AddWithValue("now", changes.At);
            command.Parameters.AddWithValue("ids", changes.Assets.Select(a => a.Id).ToArray());
            command.Parameters.AddWithValue("symbols", changes.Assets.Select(a => a.Symbol).ToArray());
            command.Parameters.AddWithValue("names", changes.Assets.Select(a => a.Name).ToArray());
            command.Parameters.AddWithValue("caps", changes.Assets.Select(a => a.MarketCapUsd).ToArray());
            await command.ExecuteNonQueryAsync(ct);
        }

        if (changes.Mappings.Count > 0)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO asset_mappings (source, source_id, asset_id, rule, confidence, is_manual, note, linked_at)
                SELECT * FROM unnest(@sources, @source_ids, @asset_ids, @rules, @confidences, @manual, @notes, @linked_at)
                ON CONFLICT (source, source_id) DO UPDATE
                SET asset_id = excluded.asset_id, rule = excluded.rule, confidence = excluded.confidence,
                    is_manual = excluded.is_manual, note = excluded.note, linked_at = excluded.linked_at
                WHERE excluded.is_manual AND NOT asset_mappings.is_manual
                """, connection, transaction);
            command.Parameters.AddWithValue("sources", changes.Mappings.Select(m => m.Source).ToArray());
            command.Parameters.AddWithValue("source_ids", changes.Mappings.Select(m => m.SourceId).ToArray());
            command.Parameters.AddWithValue("asset_ids", changes.Mappings.Select(m => m.AssetId).ToArray());
            command.Parameters.AddWithValue("rules", changes.Mappings.Select(m => m.Rule).ToArray());
            command.Parameters.AddWithValue("confidences", changes.Mappings.Select(m => m.Confidence).ToArray());
            command.Parameters.AddWithValue("manual", changes.Mappings.Select(m => m.IsManual).ToArray());
            command.Parameters.Add(new NpgsqlParameter<string?[]>("notes", NpgsqlDbType.Array | NpgsqlDbType.Text)
            {
                TypedValue = changes.Mappings.Select(m => m.Note).ToArray(),
            });
            command.Parameters.AddWithValue("linked_at", changes.Mappings.Select(m => m.LinkedAt).ToArray());
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
