using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kasparro.Ingestion.Tests.Reliability;

namespace Kasparro.Ingestion.Tests.Alerts;

/// <summary>
/// The real Kasparro.Ingestion process: configured rules synced at start, a failed run alerting through the runner's
/// hook, and the outbox worker delivering to the webhook on its own; a webhook without a secret stops the start.
/// </summary>
public sealed class AlertServiceProcessTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => AlertHarness.ResetAsync(database);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_failed_run_reaches_the_webhook_signed_without_anyone_asking()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var environment = Environment(Path.Combine(TestTemp.NewFolder("csv"), "absent"));
        environment["Alerts__Webhook__Url"] = receiver.Url.ToString();
        environment["Alerts__Webhook__Secret"] = AlertHarness.Secret;
        environment["Alerts__Webhook__PollInterval"] = "00:00:00.200";

        await using var ingestion = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);
        await Poll.UntilAsync(() => Task.FromResult(!receiver.Received.IsEmpty || ingestion.HasExited), TimeSpan.FromSeconds(60),
            $"the webhook to receive the alert. Output:\n{ingestion.Output}");

        var received = Assert.Single(receiver.Received);
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(AlertHarness.Secret));
        Assert.Equal("sha256=" + Convert.ToHexString(hmac.ComputeHash(Encoding.UTF8.GetBytes(received.Body))).ToLowerInvariant(), received.Signature);
        var alert = JsonDocument.Parse(received.Body).RootElement.GetProperty("alert");
        Assert.Equal(("run_failed", "csv", "open"), (alert.GetProperty("kind").GetString(), alert.GetProperty("subject").GetString(), alert.GetProperty("state").GetString()));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM alert_rules WHERE origin = 'config' AND kind = 'run_failed' AND source = 'csv'"));
    }

    [Fact]
    public async Task A_webhook_url_without_a_secret_stops_the_service_naming_the_key()
    {
        var environment = Environment(Path.Combine(TestTemp.NewFolder("csv"), "absent"));
        environment["Alerts__Webhook__Url"] = "http://127.0.0.1:9/hook";

        await using var ingestion = IngestionProcess.Start(["--urls", "http://127.0.0.1:0"], environment);
        var exitCode = await ingestion.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Alerts:Webhook:Secret is required when Alerts:Webhook:Url is set", ingestion.Output, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Environment(string csv)
    {
        var environment = ProcessKillTests.Environment(database.ConnectionString, csv);
        environment["Etl__RunOnStart"] = "true";
        environment["Etl__Schedule__csv"] = "";
        environment["Etl__Schedule__coinpaprika"] = "";
        environment["Etl__Schedule__coingecko"] = "";
        environment["Backfill__Enabled"] = "false";
        environment["Alerts__Rules__0__Kind"] = "run_failed";
        environment["Alerts__Rules__0__Source"] = "csv";
        return environment;
    }
}
