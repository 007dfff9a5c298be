namespace Kasparro.AppHost.Tests.Deploy;

/// <summary>The container image each service is published as (what azd builds with the SDK's container support).</summary>
public sealed class ContainerPropertiesTests
{
    [Theory]
    [InlineData("Kasparro.Api", "kasparro-api")]
    [InlineData("Kasparro.Ingestion", "kasparro-ingestion")]
    [InlineData("Kasparro.Dashboard", "kasparro-dashboard")]
    public async Task Each_service_publishes_to_its_own_repository(string project, string repository)
    {
        var container = await ContainerConfiguration.OfAsync(project);

        Assert.Equal(repository, container.Repository);
    }

    [Theory]
    [InlineData("Kasparro.Api")]
    [InlineData("Kasparro.Ingestion")]
    [InlineData("Kasparro.Dashboard")]
    public async Task Each_service_runs_as_the_non_root_app_user_on_the_aspnet_runtime(string project)
    {
        var container = await ContainerConfiguration.OfAsync(project);

        Assert.Equal("app", container.User);
        Assert.Matches("^mcr\\.microsoft\\.com/dotnet/aspnet:10\\.0", container.BaseImage);
    }

    [Theory]
    [InlineData("Kasparro.Api")]
    [InlineData("Kasparro.Ingestion")]
    [InlineData("Kasparro.Dashboard")]
    public async Task Each_service_exposes_only_port_8080(string project)
    {
        var container = await ContainerConfiguration.OfAsync(project);

        Assert.Equal(["8080/tcp"], container.Ports);
    }

    [Theory]
    [InlineData("Kasparro.Api")]
    [InlineData("Kasparro.Ingestion")]
    [InlineData("Kasparro.Dashboard")]
    public async Task Each_service_declares_its_health_probe_paths(string project)
    {
        var container = await ContainerConfiguration.OfAsync(project);

        Assert.Equal("/health", container.Labels["com.kasparro.health.readiness"]);
        Assert.Equal("/alive", container.Labels["com.kasparro.health.liveness"]);
    }

    [Theory]
    [InlineData("Kasparro.Api")]
    [InlineData("Kasparro.Ingestion")]
    public async Task The_api_and_ingestion_declare_their_prometheus_path(string project)
    {
        var container = await ContainerConfiguration.OfAsync(project);

        Assert.Equal("/metrics", container.Labels["com.kasparro.metrics.path"]);
    }

    [Fact]
    public async Task The_ingestion_image_compiles_code_again_optimized_only_once_it_runs_per_row()
    {
        var container = await ContainerConfiguration.OfAsync("Kasparro.Ingestion");

        // The runtime reads the tier-up call count from the environment only; its default (30) recompiles every
        // once-a-batch method of a large load (docs/performance.md, "Pipeline CPU: cold start").
        Assert.True(container.Environment.TryGetValue("DOTNET_TC_CallCountThreshold", out var calls), "the image sets no DOTNET_TC_CallCountThreshold");
        Assert.True(int.Parse(calls, System.Globalization.CultureInfo.InvariantCulture) >= 1_000, $"DOTNET_TC_CallCountThreshold={calls}");
    }
}
