using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Npgsql;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>Concurrent <c>POST /trigger-etl</c> through the real API into the real ingestion service: one run, the rest 409.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class TriggerEndToEndTests(EndToEndStack stack)
{
    [Fact]
    public async Task Concurrent_triggers_of_one_source_start_exactly_one_run()
    {
        using var api = stack.App.CreateHttpClient(ResourceNames.Api);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var connectionString = await stack.App.GetConnectionStringAsync(ResourceNames.Database, deadline.Token)
                               ?? throw new InvalidOperationException("The AppHost gave no connection string for the database.");
        HttpStatusCode[] statuses;
        string? triggerId;
        while (true)
        {
            // A run of csv may still be in progress from the stack's own rounds: then every call is a 409; try again.
            (HttpStatusCode Status, string? TriggerId)[] responses;
            await using (await HoldRunsAsync(connectionString, deadline.Token))
            {
                responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostTriggerAsync(api, deadline.Token)));
            }

            statuses = responses.Select(r => r.Status).ToArray();
            triggerId = responses.SingleOrDefault(r => r.Status == HttpStatusCode.Accepted).TriggerId;
            if (statuses.Any(s => s == HttpStatusCode.Accepted))
            {
                break;
            }

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Conflict, s));
            await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
        }

        Assert.Single(statuses, s => s == HttpStatusCode.Accepted);
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.NotNull(triggerId);
        IReadOnlyList<RunRow> runs;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), deadline.Token);
            runs = await stack.Api.RunsAsync(triggerId);
        }
        while (runs.Count == 0 || !runs.All(r => r.IsFinished));

        var run = Assert.Single(runs);
        Assert.Equal("csv", run.Source);
        Assert.Contains(run.Status, new[] { "success", "partial" });
    }

    /// <summary>
    /// Keeps every run from writing its <c>etl_runs</c> row until disposed: SHARE mode conflicts with the ROW EXCLUSIVE
    /// lock an INSERT or UPDATE takes, while reads (the API's check for a run in progress) go on. A csv run of an unchanged
    /// file ends within milliseconds, and a trigger that arrives after the first run ended rightly starts a second run; held
    /// at its first write, the accepted run stays queued (its Quartz trigger stored) until all eight requests are answered,
    /// which is the "concurrent" this test means.
    /// </summary>
    private static async Task<IAsyncDisposable> HoldRunsAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("LOCK TABLE etl_runs IN SHARE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new HeldRuns(connection, transaction);
    }

    /// <summary>Ends the lock's transaction, then the connection.</summary>
    private sealed class HeldRuns(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private static async Task<(HttpStatusCode Status, string? TriggerId)> PostTriggerAsync(HttpClient api, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/trigger-etl?source=csv");
        request.Headers.Add("X-Scheduler-Token", EndToEndStack.SchedulerToken);
        using var response = await api.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (response.StatusCode, body.RootElement.GetProperty("trigger_id").GetString());
    }
}
