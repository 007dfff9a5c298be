using System.Diagnostics;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Faults;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Ingestion.Tests;

/// <summary>
/// Every fault the fake upstream can inject, against the real pipeline over real HTTP: each one ends in a bounded
/// retry or a clear failure within a known time, and never stops CoinGecko or the CSV source running alongside.
/// </summary>
public sealed class UpstreamFaultTests : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const int MaxRetries = 2;
    private readonly DatabaseFixture _database;
    private UpstreamServer _upstream = null!;

    public UpstreamFaultTests(DatabaseFixture database) => _database = database;

    /// <summary>One fault on CoinPaprika's <c>/tickers</c> and what the run must make of it.</summary>
    /// <param name="Fault">The fault to inject.</param>
    /// <param name="Times">How many requests get the fault; 0 means every request.</param>
    /// <param name="Status">The expected run status.</param>
    /// <param name="Error">Text the run's error must contain (null: no error).</param>
    /// <param name="Retries">The retries the run must record.</param>
    /// <param name="MaxSeconds">An upper bound on the run's duration.</param>
    public sealed record FaultCase(Fault Fault, int Times, string Status, string? Error, int Retries, double MaxSeconds);

    public static readonly Dictionary<string, FaultCase> Cases = new()
    {
        ["429 with Retry-After once"] = new(Fault.TooManyRequests(retryAfterSeconds: 1), 1, EtlRunStatus.Success, null, 1, 10),
        ["429 with a Retry-After longer than allowed"] = new(Fault.TooManyRequests(retryAfterSeconds: 3600), 0, EtlRunStatus.Failed, "asked us to wait 3600 s", 0, 5),
        ["429 without Retry-After once"] = new(Fault.TooManyRequests(), 1, EtlRunStatus.Success, null, 1, 10),
        ["429 without Retry-After always"] = new(Fault.TooManyRequests(), 0, EtlRunStatus.Failed, "kept answering 429", MaxRetries, 15),
        ["402 quota used up"] = new(Fault.PaymentRequired(), 0, EtlRunStatus.Failed, "402 Payment Required", 0, 5),
        ["401 bad key"] = new(Fault.Unauthorized(), 0, EtlRunStatus.Failed, "refused access (401", 0, 5),
        ["500 always"] = new(Fault.InternalServerError(), 0, EtlRunStatus.Failed, "answered 500", MaxRetries, 15),
        ["503 once"] = new(Fault.ServiceUnavailable(), 1, EtlRunStatus.Success, null, 1, 10),
        ["hang always"] = new(Fault.Hang(), 0, EtlRunStatus.Failed, "coinpaprika did not answer within 00:00:01 (Etl:AttemptTimeout)", MaxRetries, 20),
        ["hang once"] = new(Fault.Hang(), 1, EtlRunStatus.Success, null, 1, 15),
        ["malformed JSON"] = new(Fault.MalformedJson(), 0, EtlRunStatus.Failed, "sent malformed JSON", 0, 5),
        ["object instead of array"] = new(Fault.ObjectInsteadOfArray(), 0, EtlRunStatus.Failed, "sent a JSON object where an array was expected", 0, 5),
        ["HTML error page 502 always"] = new(Fault.HtmlErrorPage(), 0, EtlRunStatus.Failed, "answered 502", MaxRetries, 15),
        ["HTML page with status 200"] = new(Fault.HtmlErrorPage(200), 0, EtlRunStatus.Failed, "answered text/html instead of JSON", 0, 5),
        ["truncated body always"] = new(Fault.TruncatedBody(), 0, EtlRunStatus.Failed, "coinpaprika upstream connection failed after every retry", MaxRetries, 15),
        ["truncated body once"] = new(Fault.TruncatedBody(), 1, EtlRunStatus.Success, null, 1, 10),
        ["aborted mid-stream always"] = new(Fault.AbortedMidStream(), 0, EtlRunStatus.Failed, "coinpaprika upstream connection failed after every retry", MaxRetries, 15),
        ["slow stream beyond the attempt timeout"] = new(Fault.SlowStream(TimeSpan.FromMilliseconds(200), 256), 0, EtlRunStatus.Failed, "coinpaprika did not answer within 00:00:01 (Etl:AttemptTimeout)", MaxRetries, 20),
        ["slow stream within the attempt timeout"] = new(Fault.SlowStream(TimeSpan.FromMilliseconds(5), 64 * 1024), 0, EtlRunStatus.Success, null, 0, 10),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    public async Task InitializeAsync()
    {
        await _database.ResetAsync();
        _upstream = await UpstreamServer.StartAsync();
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public void Every_fault_kind_is_covered() =>
        Assert.Empty(Enum.GetValues<FaultKind>().Except(Cases.Values.Select(c => c.Fault.Kind)));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task An_upstream_fault_ends_in_a_bounded_retry_or_a_clear_failure_and_other_sources_still_load(string name)
    {
        var fault = Cases[name];
        if (fault.Times == 0)
        {
            _upstream.Faults.Persistent(UpstreamRoute.PaprikaTickers, fault.Fault);
        }
        else
        {
            _upstream.Faults.Enqueue(UpstreamRoute.PaprikaTickers, fault.Fault, fault.Times);
        }

        var csv = TestFiles.CreateFolder(("prices.csv", "symbol,price_usd\nBTC,70000\nETH,2100\n"));
        await using var host = IngestionHost.Create(_database.ConnectionString, _upstream, csv, new Dictionary<string, string?>
        {
            ["Etl:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Etl:AttemptTimeout"] = "00:00:01",
            ["Etl:MaxRetryAfter"] = "00:00:30",
        });

        var clock = Stopwatch.StartNew();
        var paprika = host.RunAsync(SourceNames.CoinPaprika);
        var others = await Task.WhenAll(host.RunAsync(SourceNames.CoinGecko), host.RunAsync(SourceNames.Csv));
        var outcome = await paprika.WaitAsync(TimeSpan.FromSeconds(fault.MaxSeconds * 2));
        var elapsed = clock.Elapsed;

        Assert.True(fault.Status == outcome.Status, $"{name}: expected {fault.Status}, got {outcome.Status}: {outcome.Error}");
        if (fault.Error is null)
        {
            Assert.Null(outcome.Error);
            Assert.Equal(_upstream.Universe.Coins.Count(c => c.PaprikaId is not null), outcome.Counts.Inserted);
        }
        else
        {
            Assert.Contains(fault.Error, outcome.Error);
            Assert.Equal(0, outcome.Counts.Fetched);
        }

        Assert.InRange(elapsed.TotalSeconds, 0, fault.MaxSeconds);
        await using var db = _database.CreateDb();
        var run = await db.EtlRuns.SingleAsync(r => r.Id == outcome.RunId);
        Assert.Equal(fault.Status, run.Status);
        Assert.Equal(fault.Retries, run.Retries);
        Assert.Equal(fault.Retries + 1, run.Requests);
        Assert.All(others, o => Assert.Equal(EtlRunStatus.Success, o.Status));
        Assert.Equal(2, await db.MarketRecords.CountAsync(r => r.Source == SourceNames.Csv));
        Assert.Equal(_upstream.Universe.Coins.Count(c => c.GeckoId is not null), await db.MarketRecords.CountAsync(r => r.Source == SourceNames.CoinGecko));
    }
}
