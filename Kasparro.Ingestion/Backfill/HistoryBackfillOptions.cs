using System.ComponentModel.DataAnnotations;

namespace Kasparro.Ingestion.Backfill;

/// <summary>Configuration section <c>Backfill</c>: the scheduled history backfill from CoinGecko market charts.</summary>
public sealed class HistoryBackfillOptions
{
    public const string Section = "Backfill";

    /// <summary>Whether the scheduled backfill job runs (<c>--backfill</c> on the command line works either way).</summary>
    public bool Enabled { get; set; }

    /// <summary>How far back history should reach. CoinGecko answers hourly points up to 90 days, daily beyond; the demo plan stops at 365.</summary>
    [Range(1, 3650)]
    public int Days { get; set; } = 90;

    /// <summary>How many CoinGecko assets, by market cap in the latest snapshot, the scheduled backfill covers.</summary>
    [Range(1, 10_000)]
    public int Top { get; set; } = 100;

    /// <summary>
    /// The largest share of <c>Sources:CoinGecko:RequestsPerMinute</c> a backfill may use: it takes a token from its
    /// own bucket at this share before the shared CoinGecko limiter, so the snapshots always keep the rest.
    /// </summary>
    [Range(0.01, 1.0)]
    public double ShareOfRate { get; set; } = 0.5;

    /// <summary>A completed asset is fetched again once its newest backfilled point is older than this (fills outages of the snapshots).</summary>
    public TimeSpan RefreshAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Quartz cron of the scheduled job; <c>Etl:Schedule:coingecko-history</c> wins when set.</summary>
    public string? Schedule { get; set; } = "0 15 * * * ?";
}
