using System.Net;
using Kasparro.Dashboard.Api;
using Kasparro.Dashboard.Tests.Infrastructure;
using Kasparro.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Kasparro.Dashboard.Tests.Infrastructure.ApiSamples;

namespace Kasparro.Dashboard.Tests.Api;

public sealed class KasparroApiClientTests
{
    private readonly CannedApi _api = new();

    private KasparroApiClient Client(string? token = null, TimeSpan? timeout = null) => new(
        new HttpClient(_api) { BaseAddress = new Uri("http://api.test/") },
        Options.Create(new KasparroApiOptions { RequestTimeout = timeout ?? TimeSpan.FromSeconds(8) }),
        Options.Create(new SchedulerTokenOptions { Token = token }),
        NullLogger<KasparroApiClient>.Instance);

    [Fact]
    public async Task Reads_snake_case_numbers_at_full_precision_and_keeps_nulls()
    {
        _api.Json("/assets/btc-bitcoin", BitcoinDetail.Replace("\"market_cap_usd\": 1656000000000", "\"market_cap_usd\": null", StringComparison.Ordinal));

        var result = await Client().GetAssetAsync("btc-bitcoin");

        Assert.True(result.IsSuccess);
        var gecko = result.Value!.Latest.Single(q => q.Source == "coingecko");
        Assert.Equal(21416038166m, gecko.Volume24hUsd);
        Assert.Equal(-1.99m, gecko.PercentChange24h);
        Assert.Null(result.Value.Latest.Single(q => q.Source == "coinpaprika").MarketCapUsd);
        Assert.Equal(83470.5m, result.Value.Divergence!.ReferencePriceUsd);
    }

    [Fact]
    public async Task Reads_a_run_detail_with_its_drift_and_quarantined_records()
    {
        _api.Json("/runs/40", Run(40, "csv", "partial").TrimEnd().TrimEnd('}') + ", \"drift\": [" + Drift + "], \"quarantined_records\": [" + Quarantined + "], \"quarantined_total\": 7}");

        var result = await Client().GetRunAsync(40);

        Assert.True(result.IsSuccess);
        Assert.Equal("partial", result.Value!.Status);
        Assert.Equal(7, result.Value.QuarantinedTotal);
        Assert.Single(result.Value.QuarantinedRecords);
        Assert.Single(result.Value.Drift);
    }

    [Fact]
    public async Task A_400_names_the_offending_parameter()
    {
        _api.Problem("/runs", HttpStatusCode.BadRequest, "Bad Request", extra: "\"errors\": {\"limit\": [\"must be between 1 and 200\"]}");

        var result = await Client().GetRunsAsync(500);

        Assert.False(result.IsSuccess);
        Assert.Equal(400, result.StatusCode);
        Assert.Equal("The API rejected the request: limit: must be between 1 and 200.", result.Error);
    }

    [Fact]
    public async Task A_body_in_another_shape_is_an_error_not_an_exception()
    {
        _api.Json("/stats", "[1, 2, 3]");

        var result = await Client().GetStatsAsync();

        Assert.False(result.IsSuccess);
        Assert.Contains("does not understand", result.Error);
    }

    [Fact]
    public async Task Triggering_without_a_token_is_refused_locally_and_sends_nothing()
    {
        var outcome = await Client(token: null).TriggerEtlAsync("coingecko");

        Assert.Equal(TriggerOutcomeKind.NotConfigured, outcome.Kind);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task Triggering_one_source_names_it_in_the_query()
    {
        _api.Problem("/trigger-etl", HttpStatusCode.Forbidden, "Forbidden");

        var outcome = await Client(token: "t").TriggerEtlAsync("coingecko");

        Assert.Equal(TriggerOutcomeKind.Refused, outcome.Kind);
        Assert.Equal("/trigger-etl?source=coingecko", _api.Requests.Single().RequestUri!.PathAndQuery);
    }

    [Fact]
    public async Task An_API_that_does_not_answer_in_time_is_reported_as_unreachable()
    {
        var never = new TaskCompletionSource();
        _api.Pending("/stats", never.Task);

        var started = DateTimeOffset.UtcNow;
        var result = await Client(timeout: TimeSpan.FromMilliseconds(300)).GetStatsAsync();

        Assert.False(result.IsSuccess);
        Assert.Contains("cannot be reached", result.Error);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5));
        never.SetResult();
    }
}
