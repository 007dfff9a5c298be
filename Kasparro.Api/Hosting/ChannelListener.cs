using Kasparro.Data;
using Npgsql;

namespace Kasparro.Api.Hosting;

/// <summary>
/// A background service holding one PostgreSQL connection of its own (outside the request pool) that LISTENs on a
/// channel, reopened with backoff (1 s, doubling to 30 s) whenever anything breaks it, until the host stops. The change
/// feed and the history cache's listener are both one; what they do while connected is theirs. The connection's
/// <paramref name="applicationName"/> finds it in pg_stat_activity.
/// </summary>
public abstract class ChannelListener(IConfiguration configuration, TimeProvider clock, string applicationName, string channel) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    /// <summary>The clock the backoff waits on, for the listener's own timers too.</summary>
    protected TimeProvider Clock { get; } = clock;

    /// <summary>After LISTEN: the listener's own start (throwing counts as a failed connection, and backs off).</summary>
    protected abstract Task ConnectedAsync(CancellationToken cancellationToken);

    /// <summary>While connected: returns only by throwing (the connection broke) or when the host stops.</summary>
    protected abstract Task ListenAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    /// <summary>Each notification's payload, as it arrives.</summary>
    protected virtual void Notified(string payload)
    {
    }

    /// <summary>The connection broke (or never came up); it is tried again after <paramref name="retry"/>.</summary>
    protected abstract void Lost(Exception exception, TimeSpan retry);

    /// <summary>Listens until <paramref name="stoppingToken"/> is cancelled; never throws.</summary>
    protected async Task ListenUntilStoppedAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(ResourceNames.Database))
        {
            Pooling = false,
            ApplicationName = applicationName,
            // A connection that died silently (a network drop, no RST) shows up within ~a minute instead of never.
            KeepAlive = 15,
        }.ConnectionString;
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, notification) => Notified(notification.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                await ConnectedAsync(stoppingToken);
                retry = FirstRetry;
                await ListenAsync(connection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            // Whatever broke (the database restarting, the schema not migrated yet), the API keeps serving and tries
            // again: an exception escaping a BackgroundService would stop the host.
            catch (Exception exception)
            {
                Lost(exception, retry);
            }

            try
            {
                await Task.Delay(retry, Clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
        }
    }
}
