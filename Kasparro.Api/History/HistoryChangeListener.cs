using Kasparro.Api.Hosting;
using Kasparro.Data;
using Npgsql;

namespace Kasparro.Api.History;

/// <summary>
/// LISTENs on <see cref="HistoryChanges.Channel"/> (a <see cref="ChannelListener"/>) and hands each notification to
/// <see cref="HistoryCache"/>. The cache serves only while this connection is up: when it breaks the cache stops
/// serving, and when it is back the cache starts again from empty.
/// </summary>
public sealed partial class HistoryChangeListener(IConfiguration configuration, TimeProvider clock, HistoryCache cache, ILogger<HistoryChangeListener> logger)
    : ChannelListener(configuration, clock, ApplicationName, HistoryChanges.Channel)
{
    /// <summary>The connection's application_name, to find it in pg_stat_activity.</summary>
    public const string ApplicationName = "kasparro-api-history-listener";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ListenUntilStoppedAsync(stoppingToken);
        cache.StopServing();
    }

    protected override Task ConnectedAsync(CancellationToken cancellationToken)
    {
        cache.StartServing();
        LogListening(logger);
        return Task.CompletedTask;
    }

    protected override async Task ListenAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            await connection.WaitAsync(cancellationToken);
        }
    }

    protected override void Notified(string payload) => cache.Changed(payload);

    protected override void Lost(Exception exception, TimeSpan retry)
    {
        cache.StopServing();
        LogLost(logger, retry.TotalSeconds, exception.Message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for history changes; the history cache is serving")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "History change notifications unavailable ({Reason}); the history cache is off, retrying in {Seconds} s")]
    private static partial void LogLost(ILogger logger, double seconds, string reason);
}
