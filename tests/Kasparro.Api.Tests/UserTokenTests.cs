using System.Net.Http.Headers;
using Kasparro.Data;
using Kasparro.FakeOidc;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Kasparro.Api.Tests;

/// <summary>
/// The signed-in user's access token, as the dashboard forwards it: validated against the configured authority and
/// audience, roles mapped from the provider's role claims, runs recorded with the user's name.
/// </summary>
public sealed class UserTokenTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly FakeOidcUser Alice = new("alice", "Kasparro.Operator");
    private static readonly FakeOidcUser Victor = new("victor", "Kasparro.Viewer");
    private static readonly FakeOidcUser Stranger = new("mallory", "Something.Else");
    private FakeOidcProvider _provider = null!;
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOidcProvider.StartAsync();
        _api = new ApiFactory(database.ConnectionString, new Dictionary<string, string>
        {
            ["Api:AllowAnonymousRead"] = "false",
            ["Authentication:Bearer:Authority"] = _provider.Issuer,
            ["Authentication:Bearer:Audience"] = _provider.ApiAudience,
            ["Authentication:Bearer:RequireHttpsMetadata"] = "false",
            ["Authentication:RoleClaims:Viewer:0"] = "Kasparro.Viewer",
            ["Authentication:RoleClaims:Operator:0"] = "Kasparro.Operator",
        });
        _client = _api.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_user_triggers_and_the_run_request_names_the_user()
    {
        await _api.RegisterEtlJobsAsync(SourceNames.CoinPaprika);

        var response = await _client.SendAsync(Trigger(_provider.AccessTokenFor(Alice)));

        Assert.Equal(202, (int)response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var scheduler = _api.Services.GetRequiredKeyedService<IScheduler>(EtlScheduling.SchedulerName);
        var trigger = await scheduler.GetTrigger(new TriggerKey(EtlScheduling.JobName(SourceNames.CoinPaprika), EtlScheduling.ManualTriggerGroup));
        Assert.NotNull(trigger);
        Assert.Equal("dashboard:alice", trigger.JobDataMap[EtlScheduling.TriggerKey]);
        await scheduler.UnscheduleJob(trigger.Key);
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE actor = 'dashboard:alice' AND action = 'etl.trigger' AND target = 'coinpaprika' AND outcome = 'success'"));
    }

    [Fact]
    public async Task A_viewer_reads_but_may_not_trigger_and_an_unmapped_user_may_not_read()
    {
        Assert.Equal(200, (int)(await _client.SendAsync(Read(_provider.AccessTokenFor(Victor)))).StatusCode);
        var (status, body, _, _) = await _client.SendJsonAsync(Trigger(_provider.AccessTokenFor(Victor)));
        Assert.Equal(403, status);
        Assert.Contains("not an operator", body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(403, (int)(await _client.SendAsync(Read(_provider.AccessTokenFor(Stranger)))).StatusCode);
    }

    [Fact]
    public async Task Tokens_for_another_audience_expired_or_from_another_provider_are_401()
    {
        await using var other = await FakeOidcProvider.StartAsync(_provider.ApiAudience);
        foreach (var token in new[]
                 {
                     _provider.AccessTokenFor(Alice, audience: "someone-else"),
                     _provider.AccessTokenFor(Alice, lifetime: TimeSpan.FromMinutes(-10)),
                     other.AccessTokenFor(Alice),
                     "not-a-jwt",
                 })
        {
            var (status, _, headers, contentType) = await _client.SendJsonAsync(Read(token));
            Assert.Equal(401, status);
            Assert.Equal("application/problem+json", contentType);
            Assert.Equal("Bearer", headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task The_document_declares_the_bearer_scheme_when_an_authority_is_configured()
    {
        var document = await _client.GetJsonAsync("/openapi/v1.json");
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
    }

    private static HttpRequestMessage Read(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static HttpRequestMessage Trigger(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/trigger-etl?source=coinpaprika");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
