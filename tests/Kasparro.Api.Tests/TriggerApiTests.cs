using System.Text.Json;
using Kasparro.Data;
using Kasparro.Data.Entities;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Kasparro.Api.Tests;

/// <summary><c>POST /trigger-etl</c>: token checks, queuing through the shared Quartz store, conflicts.</summary>
public sealed class TriggerApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var clear = new NpgsqlCommand("DELETE FROM qrtz_simple_triggers; DELETE FROM qrtz_triggers; DELETE FROM qrtz_job_details;", connection);
            await clear.ExecuteNonQueryAsync();
        }

        _api = ApiFactory.WithToken(database.ConnectionString);
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Without_a_configured_token_triggering_is_refused()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var (status, body, _, contentType) = await api.CreateClient().SendJsonAsync(Post("coingecko", ApiFactory.SchedulerToken));
        Assert.Equal(403, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(403, body.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-token")]
    [InlineData("test-scheduler-token-7c1")]
    [InlineData("test-scheduler-token-7c1dX")]
    public async Task A_missing_or_wrong_token_is_401(string? token)
    {
        await _api.RegisterEtlJobsAsync(SourceNames.CoinGecko);
        var (status, body, _, contentType) = await _client.SendJsonAsync(Post("coingecko", token));
        Assert.Equal(401, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.DoesNotContain(ApiFactory.SchedulerToken, body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await TriggerRowsAsync());
    }

    [Fact]
    public async Task An_unknown_source_is_400()
    {
        var (status, body, _, _) = await _client.SendJsonAsync(Post("binance", ApiFactory.SchedulerToken));
        Assert.Equal(400, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("source", out _));
    }

    [Fact]
    public async Task Before_ingestion_registers_its_jobs_the_answer_is_503()
    {
        var (status, body, _, _) = await _client.SendJsonAsync(Post("coingecko", ApiFactory.SchedulerToken));
        Assert.Equal(503, status);
        Assert.Contains("ingestion has not registered its jobs yet", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepted_trigger_is_stored_for_the_ingestion_job_with_its_id()
    {
        await _api.RegisterEtlJobsAsync(SourceNames.CoinGecko);
        var response = await _client.SendAsync(Post("coingecko", ApiFactory.SchedulerToken));
        Assert.Equal(202, (int)response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var triggerId = body.GetProperty("trigger_id").GetString()!;
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal(["coingecko"], body.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal($"/runs?trigger_id={triggerId}", body.GetProperty("links").GetProperty("runs").GetString());
        Assert.Equal($"/runs?trigger_id={triggerId}", response.Headers.Location?.OriginalString);

        Assert.Equal(1, await TriggerRowsAsync());
        var job = await database.ScalarAsync<string>(
            $"SELECT job_name || '/' || job_group FROM qrtz_triggers WHERE trigger_name = 'coingecko' AND trigger_group = '{EtlScheduling.ManualTriggerGroup}'");
        Assert.Equal($"coingecko/{EtlScheduling.JobGroup}", job);
        var trigger = await ReadTriggerAsync("coingecko");
        Assert.Equal(triggerId, trigger.JobDataMap[EtlScheduling.TriggerIdKey]);
        Assert.Equal("manual", trigger.JobDataMap["trigger"]);
    }

    [Fact]
    public async Task A_full_refresh_is_asked_of_the_ingestion_job_through_the_trigger_and_a_bad_flag_is_400()
    {
        await _api.RegisterEtlJobsAsync(SourceNames.Csv);
        var refresh = Post("csv", ApiFactory.SchedulerToken);
        refresh.RequestUri = new Uri("/trigger-etl?source=csv&full_refresh=true", UriKind.Relative);
        var bad = Post("csv", ApiFactory.SchedulerToken);
        bad.RequestUri = new Uri("/trigger-etl?source=csv&full_refresh=yes", UriKind.Relative);

        var (badStatus, badBody, _, _) = await _client.SendJsonAsync(bad);
        var response = await _client.SendAsync(refresh);

        Assert.Equal(400, badStatus);
        Assert.True(badBody.GetProperty("errors").TryGetProperty("full_refresh", out _));
        Assert.Equal(202, (int)response.StatusCode);
        Assert.Equal("true", (await ReadTriggerAsync("csv")).JobDataMap[EtlScheduling.FullRefreshKey]);
    }

    [Fact]
    public async Task Without_a_source_every_snapshot_source_is_queued()
    {
        await _api.RegisterEtlJobsAsync([.. SourceNames.Snapshot]);
        var (status, body, _, _) = await _client.SendJsonAsync(Post(null, ApiFactory.SchedulerToken));
        Assert.Equal(202, status);
        Assert.Equal(SourceNames.Snapshot, body.GetProperty("sources").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal(3, await TriggerRowsAsync());
    }

    [Fact]
    public async Task A_queued_source_answers_409_without_a_run()
    {
        await _api.RegisterEtlJobsAsync(SourceNames.CoinGecko);
        Assert.Equal(202, (await _client.SendJsonAsync(Post("coingecko", ApiFactory.SchedulerToken))).Status);
        var (status, body, _, contentType) = await _client.SendJsonAsync(Post("coingecko", ApiFactory.SchedulerToken));
        Assert.Equal(409, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("running_run").ValueKind);
        Assert.Equal(1, await TriggerRowsAsync());
    }

    [Fact]
    public async Task A_running_source_answers_409_with_the_running_run()
    {
        await _api.RegisterEtlJobsAsync(SourceNames.CoinGecko);
        await ApiSeed.AddAsync(database, ApiSeed.Run(SourceNames.CoinGecko, EtlRunStatus.Running, DateTimeOffset.UtcNow));
        var (status, body, _, _) = await _client.SendJsonAsync(Post("coingecko", ApiFactory.SchedulerToken));
        Assert.Equal(409, status);
        var run = body.GetProperty("running_run");
        Assert.Equal("coingecko", run.GetProperty("source").GetString());
        Assert.Equal("running", run.GetProperty("status").GetString());
        Assert.True(run.TryGetProperty("started_at", out _), run.GetRawText());
        Assert.Equal(0, await TriggerRowsAsync());
    }

    [Fact]
    public async Task Concurrent_requests_for_one_source_queue_exactly_one()
    {
        await _api.RegisterEtlJobsAsync(SourceNames.CoinPaprika);
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _client.SendAsync(Post("coinpaprika", ApiFactory.SchedulerToken))));
        var codes = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.Equal(1, codes.Count(c => c == 202));
        Assert.Equal(11, codes.Count(c => c == 409));
        Assert.Equal(1, await TriggerRowsAsync());
    }

    private static HttpRequestMessage Post(string? source, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, source is null ? "/trigger-etl" : $"/trigger-etl?source={source}");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Scheduler-Token", token);
        }

        return request;
    }

    private Task<long> TriggerRowsAsync() =>
        database.ScalarAsync<long>($"SELECT count(*) FROM qrtz_triggers WHERE trigger_group = '{EtlScheduling.ManualTriggerGroup}'");

    private async Task<Quartz.ITrigger> ReadTriggerAsync(string source)
    {
        var scheduler = _api.Services.GetRequiredKeyedService<IScheduler>(EtlScheduling.SchedulerName);
        return (await scheduler.GetTrigger(new Quartz.TriggerKey(source, EtlScheduling.ManualTriggerGroup)))!;
    }
}
