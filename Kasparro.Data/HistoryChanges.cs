namespace Kasparro.Data;

/// <summary>
/// The notifications PostgreSQL sends when an asset's price history may have changed, so that readers holding
/// rendered history (the API's history cache) can drop it. Triggers on <c>price_history</c> and <c>asset_mappings</c>
/// send them (migration <c>HistoryChangeNotifications</c>), so every writer is covered, ours or an operator's SQL,
/// and they arrive only when the writing transaction commits.
/// </summary>
public static class HistoryChanges
{
    /// <summary>The LISTEN/NOTIFY channel.</summary>
    public const string Channel = "kasparro_history_changed";

    /// <summary>The payload meaning "any asset" (a truncate).</summary>
    public const string AnyAsset = "*";

    /// <summary>Payloads are comma-separated asset ids; PostgreSQL caps one payload below 8,000 bytes, so long lists come in several.</summary>
    public const char Separator = ',';

    /// <summary>The longest payload a trigger sends before starting another.</summary>
    public const int MostPayloadBytes = 7_900;
}
