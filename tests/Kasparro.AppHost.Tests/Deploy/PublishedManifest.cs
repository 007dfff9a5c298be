using System.Text.Json;

namespace Kasparro.AppHost.Tests.Deploy;

/// <summary>
/// The deployment manifest the AppHost writes in publish mode, produced exactly as azd produces it:
/// <c>dotnet run --project Kasparro.AppHost -- --publisher manifest --output-path ...</c>.
/// </summary>
public sealed class PublishedManifest
{
    private readonly string _directory;

    private PublishedManifest(string directory, JsonElement resources)
    {
        _directory = directory;
        Resources = resources.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    public IReadOnlyDictionary<string, JsonElement> Resources { get; }

    /// <summary>Publishes the manifest; <paramref name="configuration"/> are AppHost settings such as <c>Postgres:Mode=external</c>.</summary>
    public static async Task<PublishedManifest> PublishAsync(params string[] configuration)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"kasparro-manifest-{Guid.NewGuid():N}");
        var file = Path.Combine(directory, "aspire-manifest.json");
        try
        {
            var result = await DotnetCommand.RunAsync(
            [
                "run", "--project", RepositoryRoot.Project("Kasparro.AppHost"), "--no-build",
                "--configuration", RepositoryRoot.BuildConfiguration, "--",
                "--publisher", "manifest", "--output-path", file,
                .. configuration.Select(setting => $"--{setting}"),
            ]);
            Assert.True(result.ExitCode == 0 && File.Exists(file), $"The AppHost did not publish a manifest: {result}");

            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            return new PublishedManifest(directory, document.RootElement.GetProperty("resources"));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    public JsonElement Resource(string name) =>
        Resources.TryGetValue(name, out var resource)
            ? resource
            : throw new Xunit.Sdk.XunitException($"No resource '{name}' in the manifest; it has: {string.Join(", ", Resources.Keys)}.");

    public string TypeOf(string name) => Resource(name).GetProperty("type").GetString()!;

    public IReadOnlyDictionary<string, string> Environment(string name) =>
        Resource(name).TryGetProperty("env", out var env)
            ? env.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : new Dictionary<string, string>();

    /// <summary>The resource's bindings by name, with whether each is reachable from outside the environment.</summary>
    public IReadOnlyDictionary<string, bool> Bindings(string name) =>
        Resource(name).TryGetProperty("bindings", out var bindings)
            ? bindings.EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.TryGetProperty("external", out var external) && external.GetBoolean())
            : new Dictionary<string, bool>();

    /// <summary>The project file a project resource points at (the manifest stores it relative to the manifest's folder).</summary>
    public string ProjectPath(string name) =>
        Path.GetFullPath(Path.Combine(_directory, Resource(name).GetProperty("path").GetString()!));
}
