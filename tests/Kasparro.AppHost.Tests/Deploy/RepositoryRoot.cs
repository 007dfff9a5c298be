using System.Reflection;

namespace Kasparro.AppHost.Tests.Deploy;

/// <summary>Where the repository is and which build configuration the tests were built with.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kasparro.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Kasparro.sln above {AppContext.BaseDirectory}.");
    });

    public static string Location => Root.Value;

    /// <summary>Debug or Release: the AppHost was built alongside these tests, so its output is in the same configuration.</summary>
    public static string BuildConfiguration =>
        typeof(RepositoryRoot).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string Project(string name) => Path.Combine(Location, name, $"{name}.csproj");
}
