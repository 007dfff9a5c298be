namespace Kasparro.Data;

/// <summary>
/// The change feed: <c>change_log</c> gains one row per committed statement that changed latest records (kind
/// <see cref="PriceKind"/>, with the changed record ids) or run rows (kind <see cref="RunKind"/>, one row per run),
/// written by triggers in the writing transaction (migration <c>ChangeLog</c>), so a row exists exactly when its change
/// committed. Ids are handed out in commit order (the triggers lock the table until commit), so a reader that remembers
/// the last id it saw misses nothing and sees nothing twice. Each row is followed by a NOTIFY on <see cref="Channel"/>
/// carrying its id, so listeners wake up instead of polling. The ingestion service trims rows older than the retention.
/// </summary>
public static class ChangeLog
{
    /// <summary>The LISTEN/NOTIFY channel; the payload is the newest change id of the notifying statement.</summary>
    public const string Channel = "kasparro_changes";

    /// <summary>Latest records (normalized_records) inserted, or updated with different values or a newer observation.</summary>
    public const string PriceKind = "price";

    /// <summary>A run row (etl_runs) started, counted a batch or finished.</summary>
    public const string RunKind = "run";
}
