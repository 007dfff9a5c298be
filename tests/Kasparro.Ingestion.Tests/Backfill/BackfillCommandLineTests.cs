using Kasparro.Ingestion;

namespace Kasparro.Ingestion.Tests.Backfill;

/// <summary><c>--backfill [--days N] [--top N | --asset ID...]</c> on the ingestion command line.</summary>
public sealed class BackfillCommandLineTests
{
    [Fact]
    public void Backfill_takes_days_and_several_assets_and_passes_everything_else_to_the_host()
    {
        var line = IngestionCommandLine.Parse(["--backfill", "--days", "90", "--asset", "bitcoin", "--asset", "ethereum", "--Sources:CoinGecko:RequestsPerMinute=30"]);

        Assert.Null(line.Error);
        Assert.Equal(IngestionMode.Backfill, line.Mode);
        Assert.Equal(90, line.Backfill.Days);
        Assert.Null(line.Backfill.Top);
        Assert.Equal(["bitcoin", "ethereum"], line.Backfill.AssetIds);
        Assert.Equal(["--Sources:CoinGecko:RequestsPerMinute=30"], line.HostArguments);
    }

    [Fact]
    public void Backfill_alone_leaves_days_and_top_to_configuration()
    {
        var line = IngestionCommandLine.Parse(["--backfill", "--top", "100"]);

        Assert.Null(line.Error);
        Assert.Equal((null, 100, 0), (line.Backfill.Days, line.Backfill.Top, line.Backfill.AssetIds.Count));
    }

    [Theory]
    [InlineData("--backfill --days 0", "--days needs a whole number between 1 and 3650")]
    [InlineData("--backfill --days ninety", "--days needs a whole number between 1 and 3650")]
    [InlineData("--backfill --top", "--top needs a whole number between 1 and 10000")]
    [InlineData("--backfill --asset", "--asset needs a CoinGecko id (e.g. bitcoin)")]
    [InlineData("--backfill --asset --days", "--asset needs a CoinGecko id (e.g. bitcoin)")]
    [InlineData("--backfill --top 5 --asset bitcoin", "--top and --asset exclude each other: give either the number of top assets or the ids")]
    [InlineData("--once --days 5", "--days, --top and --asset go with --backfill")]
    public void Bad_backfill_arguments_get_a_clear_error(string args, string error)
    {
        Assert.Equal(error, IngestionCommandLine.Parse(args.Split(' ')).Error);
    }
}
