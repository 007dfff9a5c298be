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

    /// <summary>What the AppHost logged for its console (at the levels the fixture lets through).</summary>
    public CapturedConsole ConsoleLines { get; } = new();
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
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter(Kasparro.AppHost.ConsoleUrls.Category, LogLevel.Information)
            .AddFilter("Aspire.Hosting.DistributedApplication", LogLevel.Information)
            .AddProvider(ConsoleLines));
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

/// <summary>Keeps the formatted log lines of the AppHost, as its console would show them.</summary>
public sealed class CapturedConsole : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedConsole sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
