namespace Kasparro.AppHost.Tests.Deploy;

/// <summary><c>azure.yaml</c> tells azd what to deploy: the AppHost, to Azure Container Apps.</summary>
public sealed class AzureYamlTests
{
    private static IReadOnlyDictionary<string, string> Settings()
    {
        // A flat read of "key: value" lines is enough for this four-key file; comments are skipped.
        var file = Path.Combine(RepositoryRoot.Location, "azure.yaml");
        Assert.True(File.Exists(file), "azure.yaml is missing at the repository root");
        return File.ReadLines(file)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && line.Contains(':'))
            .Select(line => line.Split(':', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim());
    }

    [Fact]
    public void Azd_deploys_the_apphost_project_to_container_apps()
    {
        var settings = Settings();

        Assert.Equal("kasparro", settings["name"]);
        Assert.Equal("dotnet", settings["language"]);
        Assert.Equal("containerapp", settings["host"]);
        var project = Path.GetFullPath(Path.Combine(RepositoryRoot.Location, settings["project"]));
        Assert.Equal(RepositoryRoot.Project("Kasparro.AppHost"), project);
        Assert.True(File.Exists(project));
    }
}
