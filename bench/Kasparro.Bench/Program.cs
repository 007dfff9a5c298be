using Kasparro.Bench;

return await RunAsync(new BenchCommandLine(args));

// Not async: each command's task is returned, not awaited here, so the JIT compiles a small switch instead of one state
// machine holding every command's awaits (compiling that one was ~5 % of the load child's JIT, measured by the child).
static Task<int> RunAsync(BenchCommandLine line) => line.Command switch
{
    "load" => LoadBenchmark.RunSizesAsync(line.GetLongs("rows", 1_000_000), (int)line.GetLong("symbols", 2_000), line.Has("skip-baseline")),
    "read" => ReadBenchmark.RunAsync((int)line.GetLong("seconds", 20), (int)line.GetLong("connections", 32), line.Has("reseed"), line.Get("only"), line.Has("no-writes")),
    "sweep" => SweepBenchmark.RunAsync((int)line.GetLong("coins", 20_000), (int)line.GetLong("rpm", 600)),
    // The reader as the service runs it: under Kasparro.Ingestion's GC and JIT settings (IngestionRuntime).
    "csv-read" when !IngestionRuntime.IsCurrent => IngestionRuntime.RerunAsync(line.Arguments),
    "csv-read" => CsvReadBenchmark.RunAsync(line.GetLong("rows", 1_000_000), (int)line.GetLong("symbols", 2_000), line.Get("file"), line.Has("digest"), line.Get("reader")),
    "live" => LiveBenchmark.RunAsync((int)line.GetLong("clients", 1_000), (int)line.GetLong("coins", 20_000), (int)line.GetLong("rpm", 6_000)),
    "scale" => ScaleBenchmark.RunAsync(line.GetLong("rows", 100_000_000), line.Get("series") is null ? null : (int)line.GetLong("series", 0),
        line.GetLong("load-rows", 1_000_000), (int)line.GetLong("seconds", 20), (int)line.GetLong("connections", 32), (int)line.GetLong("compact-after", 30),
        line.Has("skip-reads"), line.Has("reads-only"), line.Get("cache-megabytes") is null ? null : (int)line.GetLong("cache-megabytes", 0), line.Has("fill-cache"),
        line.Get("keep")),
    "load-child" => LoadChild.RunAsync(line.Get("csv")!, line.Get("connection")!, line.Get("warm-up")),
    _ => Task.FromResult(Usage()),
};

static int Usage()
{
    Console.WriteLine("""
        Kasparro benchmarks (see bench/README.md):
          load  [--rows 1000000[,5000000]] [--symbols 2000] [--skip-baseline]   CSV ingest vs bare binary COPY, peak RSS, CPU a row per size
          read  [--seconds 20] [--connections 32] [--reseed] [--only history] [--no-writes] wrk against the API over 10M history rows
          sweep [--coins 20000] [--rpm 600]                           CoinGecko sweep vs its rate limit
          live  [--clients 1000] [--coins 20000] [--rpm 6000]         GET /stream: commit-to-event latency during a sweep, memory per stream, slow reader
          scale [--rows 100000000] [--series 3500] [--load-rows 1000000] [--seconds 20] [--connections 32] [--compact-after 30 (0: none)] [--skip-reads] [--reads-only] [--cache-megabytes N] [--fill-cache] [--keep DIR]
                                                                      issue 16: bytes/observation, load into empty vs full, rollups vs points, wrk on history/candles
          csv-read [--rows 1000000] [--symbols 2000] [--file x.csv] [--digest] [--reader sep|csvhelper]  the CSV reader alone, CsvHelper vs Sep: MB/s, CPU, GCs
        """);
    return 2;
}
