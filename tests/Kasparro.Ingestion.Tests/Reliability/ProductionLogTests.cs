using System.Text.Json;
using Xunit.Abstractions;
using Kasparro.Upstreams;
using Kasparro.Upstreams.Faults;
using Kasparro.Upstreams.Universe;

namespace Kasparro.Ingestion.Tests.Reliability;

/// <summary>
/// The real Kasparro.Ingestion executable in the Production environment writes a handful of readable lines per run
/// (start, summary, warnings, errors), not one per HTTP attempt; a retry still shows as a warning.
/// </summary>
public sealed class ProductionLogTests(DatabaseFixture database, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const int Pages = 80;
    private const int PerPage = 25;

    [Fact]
    public async Task An_80_page_CoinGecko_sweep_in_Production_logs_fewer_than_20_lines_at_Information_or_above()
    {
        await database.ResetAsync();
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.Generated(Pages * PerPage, seed: 21) });
        // One 429 in the middle of the sweep: the retry must stay visible as a warning.
        upstream.Faults.Enqueue(UpstreamRoute.GeckoMarkets, Fault.TooManyRequests(retryAfterSeconds: 0));

        await using var ingestion = IngestionProcess.Start(["--once", "--source", "coingecko"], Environment(database.ConnectionString, upstream));
        Assert.True(await ingestion.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, ingestion.Output);

        Assert.True(upstream.Requests.Count(r => r.Route == UpstreamRoute.GeckoMarkets) >= Pages + 1, "the sweep did not request every page");
        var entries = JsonLogEntries(ingestion.Output);
        Assert.NotEmpty(entries);
        var shown = entries.Where(e => e.Level is "Information" or "Warning" or "Error" or "Critical").ToList();
        output.WriteLine($"{shown.Count} lines at Information or above, {entries.Count} in all:\n{string.Join('\n', shown.Select(e => $"{e.Level} {e.Category}: {e.Message}"))}");
        Assert.True(shown.Count < 20, $"{shown.Count} lines at Information or above:\n{string.Join('\n', shown.Select(e => e.Line))}");
        Assert.Contains(shown, e => e.Level == "Information" && e.Message.Contains("of coingecko started", StringComparison.Ordinal));
        Assert.Contains(shown, e => e.Level == "Information" && e.Message.Contains("fetched", StringComparison.Ordinal));
        Assert.Contains(shown, e => e.Level == "Warning" && e.Category.StartsWith("Polly", StringComparison.Ordinal) && e.Message.Contains("429", StringComparison.Ordinal));
        Assert.DoesNotContain(shown, e => e.Message.StartsWith("Execution attempt", StringComparison.Ordinal) && e.Level == "Information");
        Assert.DoesNotContain(shown, e => e.Message.StartsWith("Resilience pipeline executed", StringComparison.Ordinal));
        // The run's scope renders as a sentence, not as a type name.
        Assert.DoesNotContain("System.Collections.Generic.Dictionary", ingestion.Output, StringComparison.Ordinal);
        var started = shown.First(e => e.Message.Contains("of coingecko started", StringComparison.Ordinal));
        Assert.Contains("\"run_id\"", started.Line, StringComparison.Ordinal);
        Assert.Matches("Run [0-9]+ of coingecko", started.ScopeMessages);
    }

    [Fact]
    public async Task The_Polly_level_is_a_default_that_configuration_overrides()
    {
        await database.ResetAsync();
        await using var upstream = await UpstreamServer.StartAsync(new UpstreamOptions { Universe = UpstreamUniverse.Generated(2 * PerPage, seed: 22) });
        var environment = Environment(database.ConnectionString, upstream);
        environment["Logging__LogLevel__Polly"] = "Information";

        await using var ingestion = IngestionProcess.Start(["--once", "--source", "coingecko"], environment);
        Assert.True(await ingestion.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, ingestion.Output);

        var attempts = JsonLogEntries(ingestion.Output).Count(e => e.Level == "Information" && e.Category == "Polly" && e.Message.StartsWith("Execution attempt", StringComparison.Ordinal));
        Assert.Equal(3, attempts); // two pages and the empty page that ends the sweep
    }

    private static Dictionary<string, string> Environment(string connectionString, UpstreamServer upstream) => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__kasparro"] = connectionString,
        ["Sources__Csv__Enabled"] = "false",
        ["Sources__CoinPaprika__Enabled"] = "false",
        ["Sources__CoinGecko__Enabled"] = "true",
        ["Sources__CoinGecko__BaseUrl"] = upstream.CoinGeckoBaseUrl.ToString(),
        ["Sources__CoinGecko__PerPage"] = PerPage.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sources__CoinGecko__MaxPages"] = "1000",
        ["Sources__CoinGecko__RequestsPerMinute"] = "6000",
        ["Etl__RunOnStart"] = "false",
        ["Backfill__Enabled"] = "false",
    };

    private static List<JsonLogEntry> JsonLogEntries(string output)
    {
        var entries = new List<JsonLogEntry>();
        foreach (var line in output.Split('\n'))
        {
            var start = line.IndexOf('{');
            if (start < 0)
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(line[start..]);
                var root = json.RootElement;
                if (!root.TryGetProperty("LogLevel", out var level))
                {
                    continue;
                }

                var scopes = root.TryGetProperty("Scopes", out var s) && s.ValueKind == JsonValueKind.Array
                    ? string.Join(" | ", s.EnumerateArray().Select(scope =>
                        scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("Message", out var m) ? m.GetString() : scope.ToString()))
                    : "";
                entries.Add(new JsonLogEntry(level.GetString()!, root.GetProperty("Category").GetString()!, root.GetProperty("Message").GetString() ?? "", scopes, line));
            }
            catch (JsonException)
            {
            }
        }

        return entries;
    }

    private sealed record JsonLogEntry(string Level, string Category, string Message, string? ScopeMessages, string Line);
}
