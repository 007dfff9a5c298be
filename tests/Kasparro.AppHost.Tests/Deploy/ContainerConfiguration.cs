using System.Collections.Concurrent;
using System.Text.Json;

namespace Kasparro.AppHost.Tests.Deploy;

/// <summary>
/// The container image settings a service project evaluates to, read from MSBuild after the SDK's
/// <c>ComputeContainerConfig</c> target: the same values <c>dotnet publish -t:PublishContainer</c> uses,
/// without needing the base image from the registry.
/// </summary>
public sealed record ContainerConfiguration(
    string Repository,
    string User,
    string BaseImage,
    IReadOnlyList<string> Ports,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Environment)
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<ContainerConfiguration>>> Evaluated = new();

    /// <summary>Evaluates the project once per test run (each evaluation is a child MSBuild process).</summary>
    public static Task<ContainerConfiguration> OfAsync(string project) =>
        Evaluated.GetOrAdd(project, p => new Lazy<Task<ContainerConfiguration>>(() => EvaluateAsync(p))).Value;

    private static async Task<ContainerConfiguration> EvaluateAsync(string project)
    {
        var result = await DotnetCommand.RunAsync(
        [
            "msbuild", RepositoryRoot.Project(project), "-t:ComputeContainerConfig", "-nodeReuse:false",
            $"-p:Configuration={RepositoryRoot.BuildConfiguration}",
            "-getProperty:ContainerRepository", "-getProperty:ContainerUser", "-getProperty:ContainerBaseImage",
            "-getItem:ContainerPort", "-getItem:ContainerLabel", "-getItem:ContainerEnvironmentVariable",
        ]);
        Assert.True(result.ExitCode == 0, $"MSBuild could not compute the container configuration of {project}: {result}");

        using var json = JsonDocument.Parse(result.Output);
        var properties = json.RootElement.GetProperty("Properties");
        var items = json.RootElement.GetProperty("Items");
        return new ContainerConfiguration(
            properties.GetProperty("ContainerRepository").GetString()!,
            properties.GetProperty("ContainerUser").GetString()!,
            properties.GetProperty("ContainerBaseImage").GetString()!,
            items.GetProperty("ContainerPort").EnumerateArray()
                .Select(port => $"{port.GetProperty("Identity").GetString()}/{port.GetProperty("Type").GetString()}")
                .ToList(),
            NamedValues(items, "ContainerLabel"),
            NamedValues(items, "ContainerEnvironmentVariable"));
    }

    /// <summary>Identity to Value of each item of <paramref name="itemType"/>; none when the project declares none.</summary>
    private static Dictionary<string, string> NamedValues(JsonElement items, string itemType) =>
        items.TryGetProperty(itemType, out var declared)
            ? declared.EnumerateArray().ToDictionary(item => item.GetProperty("Identity").GetString()!, item => item.GetProperty("Value").GetString()!)
            : [];
}
