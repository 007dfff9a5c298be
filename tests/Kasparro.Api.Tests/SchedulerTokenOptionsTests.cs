using Kasparro.Security;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Tests;

/// <summary>The scheduler token's one section (<c>Scheduler:Token</c>), validated when the API starts.</summary>
public sealed class SchedulerTokenOptionsTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("test-scheduler-token-7c1d")]
    public void An_unset_or_long_enough_token_is_accepted(string? token) =>
        Assert.Null(new SchedulerTokenOptions { Token = token }.Problem());

    [Theory]
    [InlineData("short", "at least 16 characters")]
    [InlineData("                    ", "whitespace")]
    [InlineData(" padded-scheduler-token", "whitespace")]
    public void An_unusable_token_is_named_with_its_setting(string token, string reason)
    {
        var problem = new SchedulerTokenOptions { Token = token }.Problem();

        Assert.NotNull(problem);
        Assert.Contains("Scheduler:Token", problem, StringComparison.Ordinal);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unset_means_not_configured()
    {
        Assert.False(new SchedulerTokenOptions().IsConfigured);
        Assert.False(new SchedulerTokenOptions { Token = "" }.IsConfigured);
        Assert.True(new SchedulerTokenOptions { Token = ApiFactory.SchedulerToken }.IsConfigured);
    }

    [Fact]
    public async Task The_api_refuses_to_start_with_a_short_token()
    {
        await using var api = new ApiFactory(database.ConnectionString, new Dictionary<string, string> { ["Scheduler:Token"] = "short" });

        var error = Assert.ThrowsAny<OptionsValidationException>(() => api.CreateClient());
        Assert.Contains("Scheduler:Token", error.Message, StringComparison.Ordinal);
    }
}
