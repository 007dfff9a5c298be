using System.Globalization;
using System.Text.RegularExpressions;
using Kasparro.Data;
using Kasparro.Data.Entities;

namespace Kasparro.Api.Tests;

/// <summary>
/// Runs alone: OpenTelemetry's meter listener sees every <c>Kasparro.Api</c> meter in the process, so API hosts of
/// other test classes (other databases) running at the same time would add their own series to this scrape.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary><c>GET /metrics</c>: valid Prometheus text with the ETL figures read from the database.</summary>
[Collection(nameof(MetricsCollection))]
public sealed partial class MetricsTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Prometheus_text_parses_and_carries_the_etl_metrics()
    {
        await database.ResetAsync();
        var recent = DateTimeOffset.UtcNow.AddMinutes(-10);
        await ApiSeed.AddAsync(database,
            ApiSeed.Run(SourceNames.CoinGecko, EtlRunStatus.Success, recent, fetched: 250, quarantined: 3),
            ApiSeed.Run(SourceNames.CoinGecko, EtlRunStatus.Failed, recent.AddMinutes(1), fetched: 0),
            ApiSeed.Run(SourceNames.Csv, EtlRunStatus.Success, recent, fetched: 40));
        await using var api = new ApiFactory(database.ConnectionString);
        var client = api.CreateClient();
        await client.GetAsync("/data");

        var text = await client.GetStringAsync("/metrics");
        var samples = new List<(string Name, string Labels, double Value)>();
        foreach (var line in text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            samples.Add((match.Groups["name"].Value, match.Groups["labels"].Value, ParseValue(match.Groups["value"].Value)));
        }

        double Sample(string name, params string[] labels) =>
            Assert.Single(samples, s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Value;

        Assert.Equal(1, Sample("kasparro_api_etl_runs_total", "source=\"coingecko\"", "status=\"success\""));
        Assert.Equal(1, Sample("kasparro_api_etl_runs_total", "source=\"coingecko\"", "status=\"failed\""));
        Assert.Equal(247, Sample("kasparro_api_etl_records_total", "source=\"coingecko\"", "outcome=\"inserted\""));
        Assert.Equal(3, Sample("kasparro_api_etl_records_total", "source=\"coingecko\"", "outcome=\"quarantined\""));
        Assert.Equal(40, Sample("kasparro_api_etl_records_total", "source=\"csv\"", "outcome=\"inserted\""));
        Assert.Equal(2, Sample("kasparro_api_upstream_retries_total", "source=\"coingecko\""));
        var age = Sample("kasparro_api_etl_last_success_age_seconds", "source=\"csv\"");
        Assert.InRange(age, 590, 3600);
        // Freshness against the default targets: csv succeeded 10 minutes ago (warn after 20), coinpaprika never did.
        Assert.Equal(0, Sample("kasparro_api_source_freshness", "source=\"csv\""));
        Assert.Equal(2, Sample("kasparro_api_source_freshness", "source=\"coinpaprika\""));
        // ASP.NET Core's own request metrics are exported too.
        Assert.Contains(samples, s => s.Name.StartsWith("http_server_request_duration", StringComparison.Ordinal));
    }

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(value, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (?<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]Inf|NaN)( -?\d+)?$""")]
    private static partial Regex SampleLine();
}
