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
}

/// <summary>
/// The service's own flags (<c>--init-db</c>, <c>--once</c>, <c>--source</c>, <c>--run-forever</c>); every
/// other argument (e.g. <c>--Etl:FailAfterRecords=5</c>) is configuration for the host.
/// </summary>
public sealed record IngestionCommandLine(IngestionMode Mode, IReadOnlyList<string> Sources, string[] HostArguments, string? Error)
{
    public const string Usage = """
        Kasparro.Ingestion [--run-forever | --init-db | --once [--source coinpaprika|coingecko|csv]...] [--Section:Key=Value ...]
          --run-forever   run the scheduler and the /health endpoint until stopped (default)
          --init-db       apply database migrations and exit
          --once          run each enabled source once (or only --source), exit 1 if any run failed
        """;

    public static IngestionCommandLine Parse(string[] args)
    {
        var mode = IngestionMode.RunForever;
        var sources = new List<string>();
        var host = new List<string>();
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
                default:
                    host.Add(args[i]);
                    break;
            }
        }

        if (sources.Count > 0 && mode != IngestionMode.Once)
        {
            return Fail("--source goes with --once");
        }

        return new IngestionCommandLine(mode, sources, [.. host], null);

        IngestionCommandLine Fail(string error) => new(mode, sources, [.. host], error);
    }
}
