using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;

namespace Kasparro.Ingestion.Tests.Alerts;

/// <summary>Webhook delivery through the outbox: signed bodies, retries inside an attempt, a webhook that is down, replicas.</summary>
public sealed class AlertDeliveryTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly Dictionary<string, string> RunFailed = new() { ["Kind"] = "run_failed" };

    public Task InitializeAsync() => AlertHarness.ResetAsync(database);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_webhook_receives_the_stored_body_with_a_signature_that_verifies()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(receiver.Url, RunFailed));
        await AlertHarness.RunAsync(database, SourceNames.CoinGecko, EtlRunStatus.Failed, DateTimeOffset.UtcNow.AddMinutes(-1));
        await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, await host.Outbox().DeliverDueAsync(default));

        var received = Assert.Single(receiver.Received);
        // Computed here independently of AlertWebhookClient: HMAC-SHA256 of the raw body bytes, lower-case hex.
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(AlertHarness.Secret));
        var expected = "sha256=" + string.Concat(hmac.ComputeHash(Encoding.UTF8.GetBytes(received.Body)).Select(b => b.ToString("x2")));
        Assert.Equal(expected, received.Signature);
        Assert.Equal("application/json; charset=utf-8", received.ContentType);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("opened", body.GetProperty("event").GetString());
        Assert.Equal(SourceNames.CoinGecko, body.GetProperty("alert").GetProperty("subject").GetString());
        Assert.Equal("run_failed", body.GetProperty("alert").GetProperty("kind").GetString());
        Assert.Equal((await AlertHarness.DeliveriesAsync(database))[0].Body, received.Body);
        var delivery = Assert.Single(await AlertHarness.DeliveriesAsync(database));
        Assert.NotNull(delivery.DeliveredAt);
        Assert.NotNull(Assert.Single(await AlertHarness.AlertsAsync(database)).LastNotifiedAt);
    }

    [Fact]
    public async Task Transient_webhook_errors_are_retried_within_one_attempt()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        receiver.FailNext(2);
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(receiver.Url, RunFailed));
        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Failed, DateTimeOffset.UtcNow.AddMinutes(-1));
        await host.Evaluator().EvaluateAsync(default);

        Assert.Equal(1, await host.Outbox().DeliverDueAsync(default));

        Assert.Equal(3, receiver.Requests);
        Assert.Single(receiver.Received);
        Assert.Equal(1, Assert.Single(await AlertHarness.DeliveriesAsync(database)).Attempts);
    }

    [Fact]
    public async Task A_webhook_that_is_down_for_a_while_receives_every_event_afterwards_exactly_once()
    {
        await using var receiver = new WebhookReceiver();
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(receiver.Url, RunFailed));
        var now = DateTimeOffset.UtcNow;
        await AlertHarness.RunAsync(database, SourceNames.CoinGecko, EtlRunStatus.Failed, now.AddMinutes(-5));
        await AlertHarness.RunAsync(database, SourceNames.CoinPaprika, EtlRunStatus.Failed, now.AddMinutes(-5));
        await host.Evaluator().EvaluateAsync(default);
        await AlertHarness.RunAsync(database, SourceNames.CoinGecko, EtlRunStatus.Success, now.AddMinutes(-4));
        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Partial, now.AddMinutes(-4));
        await host.Evaluator().EvaluateAsync(default);

        // Down (nothing listens on the port): every attempt fails, nothing is lost.
        Assert.Equal(0, await host.Outbox().DeliverDueAsync(default));
        await Task.Delay(300);
        Assert.Equal(0, await host.Outbox().DeliverDueAsync(default));
        var pending = await AlertHarness.DeliveriesAsync(database);
        Assert.Equal(4, pending.Count);
        Assert.All(pending, d => Assert.Null(d.DeliveredAt));
        Assert.Contains(pending, d => d.Attempts >= 2 && d.LastError is not null);

        await receiver.StartAsync();
        await Task.Delay(300);
        await using var replica = AlertHarness.Host(database, AlertHarness.Settings(receiver.Url, RunFailed));
        // Two replicas drain at once: SKIP LOCKED hands each event to one of them.
        var delivered = await Task.WhenAll(host.Outbox().DeliverDueAsync(default), replica.Outbox().DeliverDueAsync(default));
        Assert.Equal(0, await host.Outbox().DeliverDueAsync(default));

        Assert.Equal(4, delivered.Sum());
        var bodies = receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        var eventIds = bodies.Select(b => b.GetProperty("event_id").GetString()).ToList();
        Assert.Equal(4, eventIds.Count);
        Assert.Equal(4, eventIds.Distinct().Count());
        Assert.Equal(
            [("coingecko", "opened"), ("coingecko", "resolved"), ("coinpaprika", "opened"), ("csv", "opened")],
            bodies.Select(b => (b.GetProperty("alert").GetProperty("subject").GetString(), b.GetProperty("event").GetString())).Order().ToList());
        // An alert's events arrive in order: its resolution never before its opening.
        var gecko = bodies.Where(b => b.GetProperty("alert").GetProperty("subject").GetString() == "coingecko").Select(b => b.GetProperty("event").GetString()).ToList();
        Assert.Equal(["opened", "resolved"], gecko);
        Assert.All(await AlertHarness.DeliveriesAsync(database), d => Assert.NotNull(d.DeliveredAt));
    }

    [Fact]
    public async Task Without_a_webhook_alerts_are_stored_but_nothing_is_queued()
    {
        await using var host = AlertHarness.Host(database, AlertHarness.Settings(null, RunFailed));
        await AlertHarness.RunAsync(database, SourceNames.Csv, EtlRunStatus.Failed, DateTimeOffset.UtcNow.AddMinutes(-1));

        await host.Evaluator().EvaluateAsync(default);

        Assert.Single(await AlertHarness.AlertsAsync(database));
        Assert.Empty(await AlertHarness.DeliveriesAsync(database));
    }
}
