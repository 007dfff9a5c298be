using Kasparro.Api.Endpoints;
using Kasparro.Data;
using Npgsql;

namespace Kasparro.Api.History;

/// <summary>
/// Holds one connection of its own (outside the request pool) that LISTENs on <see cref="HistoryChanges.Channel"/> and
/// hands each notification to <see cref="HistoryCache"/>. The cache serves only while this connection is up: when it
/// breaks the cache stops serving, and when it is back the cache starts again from empty.
/// </summary>
public sealed partial class HistoryChangeListener(IConfiguration configuration, HistoryCache cache, ILogger<HistoryChangeListener> logger)
    : BackgroundService
{
    /// <summary>The connection's application_name, to find it in pg_stat_activity.</summary>
    public const string ApplicationName = "kasparro-api-history-listener";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(ResourceNames.Database))
        {
            Pooling = false,
            ApplicationName = ApplicationName,
            // A connection that died silently (a network drop, no RST) shows up within ~a minute instead of never.
            KeepAlive = 15,
        }.ConnectionString;
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, notification) => cache.Changed(notification.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {HistoryChanges.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                cache.StartServing();
                LogListening(logger);
                retry = FirstRetry;
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            // Whatever broke the connection, the API keeps serving (from the database) and tries again: an exception
            // escaping a BackgroundService would stop the host.
            catch (Exception exception)
            {
                cache.StopServing();
                LogLost(logger, retry.TotalSeconds, exception.Message);
            }

            try
            {
                await Task.Delay(retry, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
        }

        cache.StopServing();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for history changes; the history cache is serving")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "History change notifications unavailable ({Reason}); the history cache is off, retrying in {Seconds} s")]
    private static partial void LogLost(ILogger logger, double seconds, string reason);
}
