using System.Globalization;
using System.Text.Json;
using Kasparro.Data;

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
}
