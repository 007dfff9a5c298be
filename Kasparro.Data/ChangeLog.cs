namespace Kasparro.Data;

/// <summary>
/// The change feed: <c>change_log</c> gains one row per committed statement that changed latest records (kind
/// <see cref="PriceKind"/>, with the changed record ids) or run rows (kind <see cref="RunKind"/>, one row per run),
/// written by triggers in the writing transaction (migration <c>ChangeLog</c>), so a row exists exactly when its change
/// committed. Rows are read in (writing transaction, id) order, only those of transactions older than every transaction
/// still running (which can gain no rows any more), so a reader that remembers where it is misses nothing and sees nothing
/// twice, and writers never wait for each other. Each row is followed by a NOTIFY on <see cref="Channel"/>
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
