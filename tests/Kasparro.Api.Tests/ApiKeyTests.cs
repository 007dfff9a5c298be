using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Kasparro.Api.Security;
using Kasparro.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Kasparro.Api.Tests;

/// <summary>API keys: the CLI that makes them, how the API checks them, their roles and their own rate limits.</summary>
public sealed class ApiKeyTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly Dictionary<string, string> Closed = new() { ["Api:AllowAnonymousRead"] = "false" };

    [Fact]
    public async Task Without_a_key_reads_are_401_when_anonymous_reading_is_off_but_probes_stay_open()
    {
        await using var api = new ApiFactory(database.ConnectionString, Closed);
        var client = api.CreateClient();

        var (status, body, headers, contentType) = await client.SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, "/stats"));
        Assert.Equal(401, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains("X-Api-Key", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("ApiKey", headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        Assert.Equal(200, (int)(await client.GetAsync("/health")).StatusCode);
        Assert.Equal(200, (int)(await client.GetAsync("/alive")).StatusCode);
        Assert.Equal(200, (int)(await client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task A_reader_key_reads_through_either_header_and_its_answers_are_not_stored_by_caches()
    {
        var (_, key) = await ApiKeyCli.CreateAsync(database.ConnectionString, "reader-both-headers");
        await using var api = new ApiFactory(database.ConnectionString, Closed);
        var client = api.CreateClient();

        using var viaHeader = new HttpRequestMessage(HttpMethod.Get, "/stats");
        viaHeader.Headers.Add("X-Api-Key", key);
        var header = await client.SendAsync(viaHeader);
        Assert.Equal(200, (int)header.StatusCode);
        Assert.True(header.Headers.CacheControl?.NoStore);
        Assert.Equal("nosniff", header.Headers.GetValues("X-Content-Type-Options").Single());

        using var viaAuthorization = new HttpRequestMessage(HttpMethod.Get, "/data");
        viaAuthorization.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        Assert.Equal(200, (int)(await client.SendAsync(viaAuthorization)).StatusCode);
    }

    [Theory]
    [InlineData("last-char")]
    [InlineData("unknown-prefix")]
    [InlineData("malformed")]
    [InlineData("revoked")]
    public async Task A_wrong_or_revoked_key_is_401_even_where_anonymous_reading_is_allowed(string kind)
    {
        var (id, key) = await ApiKeyCli.CreateAsync(database.ConnectionString, $"wrong-{kind}");
        var presented = kind switch
        {
            // Same prefix (same row), one character off at the very end: only the hash comparison can refuse it.
            "last-char" => key[..^1] + (key[^1] == 'A' ? 'B' : 'A'),
            "unknown-prefix" => ApiKeyText.Generate().Key,
            "malformed" => "not-a-key",
            _ => key,
        };
        if (kind == "revoked")
        {
            var revoked = await ApiKeyCli.RunAsync(database.ConnectionString, "--revoke-key", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0, revoked.ExitCode);
        }

        foreach (var settings in new[] { Closed, new Dictionary<string, string> { ["Api:AllowAnonymousRead"] = "true" } })
        {
            await using var api = new ApiFactory(database.ConnectionString, settings);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/stats");
            request.Headers.Add("X-Api-Key", presented);
            var (status, body, _, contentType) = await api.CreateClient().SendJsonAsync(request);
            Assert.Equal(401, status);
            Assert.Equal("application/problem+json", contentType);
            Assert.Contains("not valid", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_reader_key_may_not_trigger_and_an_operator_key_triggers_as_itself()
    {
        var (_, reader) = await ApiKeyCli.CreateAsync(database.ConnectionString, "reader-no-trigger");
        var (_, operatorKey) = await ApiKeyCli.CreateAsync(database.ConnectionString, "ops-robot", ApiRoles.Operator);
        await using var api = new ApiFactory(database.ConnectionString, Closed);
        await api.RegisterEtlJobsAsync(SourceNames.Csv);
        var client = api.CreateClient();

        var (status, body, _, _) = await client.SendJsonAsync(Trigger(reader));
        Assert.Equal(403, status);
        Assert.Contains("operator", body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var accepted = await client.SendAsync(Trigger(operatorKey));
        Assert.Equal(202, (int)accepted.StatusCode);
        var scheduler = api.Services.GetRequiredKeyedService<IScheduler>(EtlScheduling.SchedulerName);
        var trigger = await scheduler.GetTrigger(new TriggerKey(EtlScheduling.JobName(SourceNames.Csv), EtlScheduling.ManualTriggerGroup));
        Assert.NotNull(trigger);
        Assert.Equal("api-key:ops-robot", trigger.JobDataMap[EtlScheduling.TriggerKey]);
        await scheduler.UnscheduleJob(trigger.Key);

        await using var db = database.CreateDb();
        var audited = await db.AuditEvents.AsNoTracking().SingleAsync(e => e.Actor == "api-key:ops-robot");
        Assert.Equal((Data.Entities.AuditActions.EtlTrigger, "csv", "success"), (audited.Action, audited.Target, audited.Outcome));
        Assert.Contains(trigger.JobDataMap.GetString(EtlScheduling.TriggerIdKey)!, audited.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_rule_edits_and_resuming_sources_need_an_operator_and_rule_changes_are_audited()
    {
        var (_, reader) = await ApiKeyCli.CreateAsync(database.ConnectionString, "reader-no-rules");
        var (_, operatorKey) = await ApiKeyCli.CreateAsync(database.ConnectionString, "rules-robot", ApiRoles.Operator);
        await using var api = new ApiFactory(database.ConnectionString, Closed);
        var client = api.CreateClient();

        Assert.Equal(403, (int)(await client.SendAsync(NewRule(reader))).StatusCode);
        using var resume = new HttpRequestMessage(HttpMethod.Post, "/sources/coingecko/resume");
        resume.Headers.Add("X-Api-Key", reader);
        Assert.Equal(403, (int)(await client.SendAsync(resume)).StatusCode);

        var created = await client.SendAsync(NewRule(operatorKey));
        Assert.Equal(201, (int)created.StatusCode);
        var id = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/alerts/rules/{id}");
        delete.Headers.Add("X-Api-Key", operatorKey);
        Assert.Equal(204, (int)(await client.SendAsync(delete)).StatusCode);

        await using var db = database.CreateDb();
        var audited = await db.AuditEvents.AsNoTracking().Where(e => e.Actor == "api-key:rules-robot").OrderBy(e => e.Id).ToListAsync();
        Assert.Equal([Data.Entities.AuditActions.AlertRuleCreate, Data.Entities.AuditActions.AlertRuleDelete], audited.Select(e => e.Action));
        Assert.All(audited, e => Assert.Equal($"alert_rule:{id}", e.Target));
    }

    [Fact]
    public async Task Each_key_has_its_own_rate_limit_with_retry_after()
    {
        var (_, limited) = await ApiKeyCli.CreateAsync(database.ConnectionString, "two-per-minute", rateLimit: 2);
        var (_, other) = await ApiKeyCli.CreateAsync(database.ConnectionString, "default-limit");
        await using var api = new ApiFactory(database.ConnectionString, Closed);
        var client = api.CreateClient();

        Assert.Equal(200, (int)(await client.SendAsync(Read(limited))).StatusCode);
        Assert.Equal(200, (int)(await client.SendAsync(Read(limited))).StatusCode);
        var refused = await client.SendAsync(Read(limited));
        Assert.Equal(429, (int)refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);

        // Same client address, another key: the limit is the key's, not the address's.
        Assert.Equal(200, (int)(await client.SendAsync(Read(other))).StatusCode);
    }

    [Fact]
    public async Task Keys_are_stored_only_as_hashes_listed_without_secrets_and_never_logged()
    {
        using var telemetry = new CapturedTelemetry();
        var (id, key) = await ApiKeyCli.CreateAsync(database.ConnectionString, "never-in-clear", ApiRoles.Operator);
        Assert.Matches("^kas_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", key);

        await using (var db = database.CreateDb())
        {
            var row = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == id);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), row.KeyHash);
            Assert.Equal(key.Substring(4, 12), row.Prefix);
        }

        // No column of the table holds the key or its secret part as text.
        var secret = key[17..];
        var table = await database.ScalarAsync<string>("SELECT string_agg(t::text, ' ') FROM api_keys t");
        Assert.DoesNotContain(secret, table, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(secret)), table, StringComparison.Ordinal);

        var listed = await ApiKeyCli.RunAsync(database.ConnectionString, "--list-keys");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("never-in-clear", listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);

        await using var factory = new ApiFactory(database.ConnectionString, Closed);
        await using var api = factory.WithWebHostBuilder(web => web
            .UseSetting("Logging:LogLevel:Default", "Trace")
            .ConfigureLogging(logging => logging.AddProvider(telemetry).SetMinimumLevel(LogLevel.Trace)));
        var client = api.CreateClient();
        Assert.Equal(200, (int)(await client.SendAsync(Read(key))).StatusCode);
        var wrong = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(401, (int)(await client.SendAsync(Read(wrong))).StatusCode);

        Assert.True(telemetry.LogCount > 0, "the capture saw nothing");
        Assert.Contains(telemetry.Lines, line => line.Contains("Rejected API key", StringComparison.Ordinal) && line.Contains(key.Substring(4, 12), StringComparison.Ordinal));
        Assert.DoesNotContain(telemetry.Lines, line => line.Contains(secret, StringComparison.Ordinal) || line.Contains(wrong[17..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Creating_prints_the_key_alone_on_the_last_line_and_bad_arguments_are_refused()
    {
        var created = await ApiKeyCli.RunAsync(database.ConnectionString, "--create-key", "printed-once", "--role", "operator");
        Assert.Equal(0, created.ExitCode);
        Assert.Matches("^kas_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", created.LastLine);
        Assert.Equal(1, created.Output.Split('\n').Count(line => line.Contains(created.LastLine, StringComparison.Ordinal)));

        Assert.NotNull(ApiKeyCommandLine.Parse(["--create-key", "x", "--role", "admin"]).Error);
        Assert.NotNull(ApiKeyCommandLine.Parse(["--create-key"]).Error);
        Assert.NotNull(ApiKeyCommandLine.Parse(["--revoke-key", "abc"]).Error);
        Assert.NotNull(ApiKeyCommandLine.Parse(["--list-keys", "--rate-limit", "5"]).Error);
        Assert.NotNull(ApiKeyCommandLine.Parse(["--list-keys", "--revoke-key", "1"]).Error);
        Assert.Equal((null, null), ApiKeyCommandLine.Parse(["--Etl:SchedulerToken=x"]));

        var missing = await ApiKeyCli.RunAsync(database.ConnectionString, "--revoke-key", "999999");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no API key 999999", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_creation_and_revocation_are_audited()
    {
        var (id, _) = await ApiKeyCli.CreateAsync(database.ConnectionString, "audited-key");
        await ApiKeyCli.RunAsync(database.ConnectionString, "--revoke-key", id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await using var db = database.CreateDb();
        var target = $"api_key:{id}:audited-key";
        var events = await db.AuditEvents.AsNoTracking().Where(e => e.Target == target).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal([Data.Entities.AuditActions.KeyCreated, Data.Entities.AuditActions.KeyRevoked], events.Select(e => e.Action));
        Assert.All(events, e => Assert.StartsWith("cli:", e.Actor, StringComparison.Ordinal));
        Assert.All(events, e => Assert.Equal("success", e.Outcome));
    }

    private static HttpRequestMessage NewRule(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/alerts/rules")
        {
            Content = new StringContent("""{"kind": "price_move", "asset_id": "btc-bitcoin", "threshold_pct": 10, "window": "04:00:00"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", key);
        return request;
    }

    private static HttpRequestMessage Read(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/stats");
        request.Headers.Add("X-Api-Key", key);
        return request;
    }

    private static HttpRequestMessage Trigger(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/trigger-etl?source=csv");
        request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return request;
    }
}
