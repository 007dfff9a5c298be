using System.Net;
using System.Text.Json;
using Aspire.Hosting;

namespace Kasparro.AppHost.Tests.Stack;

public sealed class StackStartupTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public void Every_resource_becomes_healthy_within_the_start_budget()
    {
        // The fixture waited for each resource to report healthy; this records how long the cold start took.
        Assert.InRange(stack.ColdStart, TimeSpan.Zero, StackFixture.StartTimeout);
    }

    [Fact]
    public async Task The_api_answers_health_with_the_database_connected()
    {
        using var client = stack.App.CreateHttpClient(ResourceNames.Api);
        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("connected", json.RootElement.GetProperty("database").GetString());
    }

    [Fact]
    public async Task The_schema_owner_reports_healthy_only_with_the_schema_applied()
    {
        using var client = stack.App.CreateHttpClient(ResourceNames.Ingestion);
        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_serves_its_home_page()
    {
        using var client = stack.App.CreateHttpClient(ResourceNames.Dashboard);
        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_console_names_the_dashboard_and_api_urls_once_they_are_ready()
    {
        var dashboard = stack.App.GetEndpoint(ResourceNames.Dashboard, "http").ToString().TrimEnd('/');
        var api = stack.App.GetEndpoint(ResourceNames.Api, "http").ToString().TrimEnd('/');
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && stack.ConsoleLines.Lines.Count(l => l.Contains(Kasparro.AppHost.ConsoleUrls.Category, StringComparison.Ordinal)) < 2)
        {
            await Task.Delay(200);
        }

        var lines = stack.ConsoleLines.Lines.ToList();
        var started = lines.FindIndex(l => l.Contains("Distributed application started", StringComparison.Ordinal));
        Assert.True(started >= 0, string.Join('\n', lines));
        Assert.All(lines.Where(l => l.Contains("Kasparro.AppHost:", StringComparison.Ordinal)), l => Assert.True(lines.IndexOf(l) > started, $"'{l}' came before the start line"));
        Assert.Contains(lines, l => l.StartsWith("Information Kasparro.AppHost: Kasparro dashboard: ", StringComparison.Ordinal) && l.Contains(dashboard, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Information Kasparro.AppHost: Kasparro API: ", StringComparison.Ordinal) && l.Contains($"(reference at {api}/docs)", StringComparison.Ordinal));

        using var client = new HttpClient();
        using var docs = await client.GetAsync($"{api}/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }
}
