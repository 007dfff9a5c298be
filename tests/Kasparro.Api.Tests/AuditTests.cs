using Kasparro.Data;
using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Api.Tests;

/// <summary><c>audit_events</c>: every trigger request that reached the endpoint is recorded with who asked and how it ended.</summary>
public sealed class AuditTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Scheduler_triggers_are_audited_as_the_scheduler_and_a_refused_second_one_as_a_failure()
    {
        await using var api = ApiFactory.WithToken(database.ConnectionString);
        await api.RegisterEtlJobsAsync(SourceNames.CoinGecko);
        var client = api.CreateClient();

        Assert.Equal(202, (int)(await client.SendAsync(Trigger())).StatusCode);
        Assert.Equal(409, (int)(await client.SendAsync(Trigger())).StatusCode);

        await using var db = database.CreateDb();
        var events = await db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.EtlTrigger).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(["success", "failure"], events.Select(e => e.Outcome));
        Assert.All(events, e => Assert.Equal(("scheduler", "coingecko"), (e.Actor, e.Target)));
        Assert.StartsWith("trigger_id=", events[0].Detail, StringComparison.Ordinal);
        Assert.Contains("already queued", events[1].Detail, StringComparison.Ordinal);
        Assert.All(events, e => Assert.DoesNotContain(ApiFactory.SchedulerToken, e.Detail, StringComparison.Ordinal));
    }

    private static HttpRequestMessage Trigger()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/trigger-etl?source=coingecko");
        request.Headers.Add("X-Scheduler-Token", ApiFactory.SchedulerToken);
        return request;
    }
}
