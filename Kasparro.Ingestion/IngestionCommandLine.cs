using Kasparro.Data;

namespace Kasparro.Ingestion;

/// <summary>What the ingestion service was asked to do on its command line.</summary>
public enum IngestionMode
{
    /// <summary>Default: the scheduler plus <c>/health</c>, until stopped.</summary>
    RunForever,
    /// <summary><c>--init-db</c>: apply migrations and exit.</summary>
    InitDb,
    /// <summary><c>--once [--source S]</c>: one run of each (or one) source, exit non-zero if any failed.</summary>
    Once,
    /// <summary><c>--backfill [--days N] [--top N | --asset ID...]</c>: one backfill of past prices from CoinGecko, then exit.</summary>
    Backfill,
    /// <summary><c>--resume-source S</c>: resume a source paused by breaking drift, then exit.</summary>
    ResumeSource,
}

/// <summary>The <c>--backfill</c> options as given; what is not given comes from the <c>Backfill</c> configuration section.</summary>
public sealed record BackfillArguments(int? Days, int? Top, IReadOnlyList<string> AssetIds)
{
    /// <summary><c>--from DATE</c>: the first UTC day of an explicit range (with <see cref="To"/>, instead of <see cref="Days"/>).</summary>
    public DateOnly? From { get; init; }

    /// <summary><c>--to DATE</c>: the last UTC day of the range, inclusive.</summary>
    public DateOnly? To { get; init; }
}

/// <summary>
/// The service's own flags (<c>--init-db</c>, <c>--once</c>, <c>--source</c>, <c>--run-forever</c>, <c>--backfill</c>
/// with <c>--days</c>, <c>--top</c>, <c>--asset</c>); every
/// other argument (e.g. <c>--Etl:FailAfterRecords=5</c>) is configuration for the host.
/// </summary>
public sealed record IngestionCommandLine(IngestionMode Mode, IReadOnlyList<string> Sources, string[] HostArguments, string? Error)
{
    /// <summary>The <c>--backfill</c> options (empty unless <see cref="Mode"/> is <see cref="IngestionMode.Backfill"/>).</summary>
    public BackfillArguments Backfill { get; init; } = new(null, null, []);

    /// <summary><c>--full-refresh</c>: the <c>--once</c> runs forget their sources' checkpoints and read everything again.</summary>
    public bool FullRefresh { get; init; }

    public const string Usage = """
        Kasparro.Ingestion [--run-forever | --init-db | --once [--source coinpaprika|coingecko|csv]...
                            | --full-refresh [--source S]... | --resume-source S
                            | --backfill [--days N | --from DATE --to DATE] [--top N | --asset COINGECKO_ID...]] [--Section:Key=Value ...]
          --run-forever   run the scheduler and the /health endpoint until stopped (default)
          --init-db       apply database migrations and exit
          --once          run each enabled source once (or only --source), exit 1 if any run failed
          --full-refresh  like --once, but forget the sources' checkpoints and watermarks first and re-read everything
          --resume-source S  resume source S after a pause (OnDrift = pause), exit 1 if it was not paused
          --backfill      fill past prices from CoinGecko market charts (default Backfill:Days, Backfill:Top), exit 1 if it failed
            --days N      how far back (1..3650; hourly up to 90, daily beyond; the demo plan reaches 365)
            --top N       the N CoinGecko assets with the largest market cap in the latest snapshot
            --asset ID    exactly these CoinGecko ids (bitcoin, ethereum, ...), repeatable
            --from DATE --to DATE  an explicit UTC range instead of --days (yyyy-MM-dd, both days included, not in the future)
        """;

    /// <summary>Reads the arguments; <paramref name="today"/> (the current UTC day, by default the clock's) bounds <c>--to</c>.</summary>
    public static IngestionCommandLine Parse(string[] args, DateOnly? today = null)
    {
        var mode = IngestionMode.RunForever;
        var fullRefresh = false;
        DateOnly? from = null, to = null;
        string? resume = null;
        var sources = new List<string>();
        var host = new List<string>();
        int? days = null, top = null;
        var assets = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--run-forever":
                    mode = IngestionMode.RunForever;
                    break;
                case "--init-db":
                    mode = IngestionMode.InitDb;
                    break;
                case "--once":
                    mode = IngestionMode.Once;
                    break;
                case "--full-refresh":
                    mode = IngestionMode.Once;
                    fullRefresh = true;
                    break;
                case "--resume-source":
                    if (i + 1 >= args.Length || !SourceNames.IsKnown(args[i + 1].ToLowerInvariant()))
                    {
                        return Fail($"--resume-source needs a source; known: {string.Join(", ", SourceNames.All)}");
                    }

                    mode = IngestionMode.ResumeSource;
                    resume = args[++i].ToLowerInvariant();
                    break;
                case "--from" or "--to":
                    var dateFlag = args[i];
                    if (i + 1 >= args.Length || !DateOnly.TryParseExact(args[++i], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date))
                    {
                        return Fail($"{dateFlag} needs a UTC date as yyyy-MM-dd (e.g. 2025-01-31)");
                    }

                    if (dateFlag == "--from")
                    {
                        from = date;
                    }
                    else
                    {
                        to = date;
                    }

                    break;
                case "--source":
                    if (i + 1 >= args.Length)
                    {
                        return Fail("--source needs a value");
                    }

                    var source = args[++i].ToLowerInvariant();
                    if (!SourceNames.Snapshot.Contains(source))
                    {
                        return Fail($"unknown source '{args[i]}'; known: {string.Join(", ", SourceNames.Snapshot)}");
                    }

                    sources.Add(source);
                    break;
                case "--backfill":
                    mode = IngestionMode.Backfill;
                    break;
                case "--days" or "--top":
                    var flag = args[i];
                    if (i + 1 >= args.Length || !int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
                        || number < 1 || number > (flag == "--days" ? 3650 : 10_000))
                    {
                        return Fail($"{flag} needs a whole number between 1 and {(flag == "--days" ? 3650 : 10_000)}");
                    }

                    if (flag == "--days")
                    {
                        days = number;
                    }
                    else
                    {
                        top = number;
                    }

                    break;
                case "--asset":
                    if (i + 1 >= args.Length || string.IsNullOrWhiteSpace(args[i + 1]) || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        return Fail("--asset needs a CoinGecko id (e.g. bitcoin)");
                    }

                    assets.Add(args[++i].Trim());
                    break;
                default:
                    host.Add(args[i]);
                    break;
            }
        }

        if (sources.Count > 0 && mode != IngestionMode.Once)
        {
            return Fail("--source goes with --once or --full-refresh");
        }

        if (fullRefresh && mode != IngestionMode.Once)
        {
            return Fail("--full-refresh is a run of the snapshot sources: give it alone or with --source");
        }

        if ((from is not null || to is not null) && mode != IngestionMode.Backfill)
        {
            return Fail("--from and --to go with --backfill");
        }

        if ((from is null) != (to is null))
        {
            return Fail("--from and --to go together: give both days of the range");
        }

        if (from is not null && days is not null)
        {
            return Fail("--days and --from/--to exclude each other: give either how many days back or the range");
        }

        if (from > to)
        {
            return Fail($"--from {from:yyyy-MM-dd} is after --to {to:yyyy-MM-dd}");
        }

        var utcToday = today ?? DateOnly.FromDateTime(DateTime.UtcNow);
        if (to > utcToday)
        {
            return Fail($"--to {to:yyyy-MM-dd} is in the future (today is {utcToday:yyyy-MM-dd} UTC)");
        }

        if ((days is not null || top is not null || assets.Count > 0) && mode != IngestionMode.Backfill)
        {
            return Fail("--days, --top and --asset go with --backfill");
        }

        if (top is not null && assets.Count > 0)
        {
            return Fail("--top and --asset exclude each other: give either the number of top assets or the ids");
        }

        if (resume is not null)
        {
            sources.Add(resume);
        }

        return new IngestionCommandLine(mode, sources, [.. host], null)
        {
            Backfill = new BackfillArguments(days, top, assets) { From = from, To = to },
            FullRefresh = fullRefresh,
        };

        IngestionCommandLine Fail(string error) => new(mode, sources, [.. host], error);
    }
}
