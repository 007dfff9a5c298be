using Kasparro.Data;
using Kasparro.Ingestion;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Upstreams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kasparro.Testing;

/// <summary>
/// The real ingestion pipeline (the same registrations as Kasparro.Ingestion) in a host pointed at a test
/// database and the local fixture upstreams. Tests drive it through <see cref="RunAsync"/>, as <c>--once</c> does.
/// </summary>
public sealed class IngestionHost : IAsyncDisposable
{
    private readonly IHost _host;

    private IngestionHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public static IngestionHost Create(string connectionString, UpstreamServer? upstream, string? csvPath = null, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        var config = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.Database}"] = connectionString,
            ["Sources:CoinPaprika:Enabled"] = (upstream is not null).ToString(),
            ["Sources:CoinPaprika:BaseUrl"] = upstream?.CoinPaprikaBaseUrl.ToString(),
            ["Sources:CoinPaprika:RequestsPerMinute"] = "6000",
            ["Sources:CoinGecko:Enabled"] = (upstream is not null).ToString(),
            ["Sources:CoinGecko:BaseUrl"] = upstream?.CoinGeckoBaseUrl.ToString(),
            ["Sources:CoinGecko:RequestsPerMinute"] = "6000",
            ["Sources:CoinGecko:PerPage"] = "100",
            ["Sources:CoinGecko:MaxPages"] = "1000",
            ["Sources:Csv:Enabled"] = (csvPath is not null).ToString(),
            ["Sources:Csv:Path"] = csvPath ?? "none",
            ["Etl:MaxRetries"] = "3",
            ["Etl:AttemptTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddKasparroDb();
        builder.AddIngestion();
        return new IngestionHost(builder.Build());
    }

    public Task<RunOutcome> RunAsync(string source, CancellationToken cancellationToken = default) =>
        _host.Services.GetRequiredService<EtlRunner>().RunAsync(source, "test", null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
