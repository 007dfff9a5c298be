using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kasparro.AppHost.Tests.Stack;

/// <summary>
/// The whole AppHost started once for the tests that share it: PostgreSQL from the local binaries in a
/// throw-away folder, the schema owner, the API and the dashboard, exactly as <c>dotnet run</c> wires them.
/// </summary>
public class StackFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), $"kasparro-apphost-test-{Guid.NewGuid():N}");

    public DistributedApplication App { get; private set; } = null!;
    public TimeSpan ColdStart { get; private set; }

    /// <summary>Extra AppHost configuration (<c>--Key=Value</c>) a derived fixture can add, e.g. upstream URLs.</summary>
    protected virtual IEnumerable<string> ExtraArguments() => [];

    public async Task InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        string[] args =
        [
            "--Postgres:Mode=executable",
            $"--Postgres:DataDirectory={Path.Combine(_stateDirectory, "data")}",
            .. ExtraArguments(),
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Kasparro_AppHost>(args);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        App = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await App.StartAsync(timeout.Token);
        foreach (var resource in new[] { ResourceNames.Postgres, ResourceNames.Ingestion, ResourceNames.Api, ResourceNames.Dashboard })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        ColdStart = started.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
