using System.Collections.Concurrent;
using System.Globalization;
using Kasparro.Api.Hosting;
using Kasparro.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Api.Streaming;

/// <summary>
/// The API's one reader of the change log: one connection of its own LISTENs on <see cref="ChangeLog.Channel"/>, and
/// on each notification (or every <see cref="PollInterval"/>, should one be missed) the new rows are read once, turned
/// into events once and offered to every subscribed client. A broken connection is reopened with backoff
/// (<see cref="ChannelListener"/>) and reading resumes after the last change offered, so a database restart loses nothing. Also sends the heartbeats.
/// </summary>
public sealed partial class ChangeFeed(
    IConfiguration configuration, ChangeReader reader, IOptions<StreamOptions> options, TimeProvider clock, ILogger<ChangeFeed> logger)
    : ChannelListener(configuration, clock, ApplicationName, ChangeLog.Channel)
{
    /// <summary>The connection's application_name, to find it in pg_stat_activity.</summary>
    public const string ApplicationName = "kasparro-api-change-feed";

    /// <summary>How often the log is read without a notification.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<StreamSubscription, byte> _subscribers = new();
    private readonly Lock _gate = new();
    private ChangeCursor? _offeredThrough;

    /// <summary>Clients subscribed now.</summary>
    public int Subscribers => _subscribers.Count;

    /// <summary>The last change offered to the clients; null until the feed has read the log once.</summary>
    public ChangeCursor? OfferedThrough
    {
        get { lock (_gate) { return _offeredThrough; } }
        private set { lock (_gate) { _offeredThrough = value; } }
    }

    public StreamSubscription Subscribe(StreamFilter filter)
    {
        var subscription = new StreamSubscription(filter, options.Value.ClientBuffer, s => _subscribers.TryRemove(s, out _));
        _subscribers.TryAdd(subscription, 0);
        return subscription;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var heartbeats = SendHeartbeatsAsync(stoppingToken);
        await ListenUntilStoppedAsync(stoppingToken);
        await heartbeats;
    }

    protected override async Task ConnectedAsync(CancellationToken cancellationToken)
    {
        // Clients that come without a Last-Event-ID get what commits from now on.
        OfferedThrough ??= await reader.LatestAsync(cancellationToken);
        LogListening(logger, OfferedThrough.Value.Id);
    }

    protected override async Task ListenAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            await OfferNewChangesAsync(cancellationToken);
            await connection.WaitAsync(PollInterval, cancellationToken);
        }
    }

    protected override void Lost(Exception exception, TimeSpan retry) => LogLost(logger, retry.TotalSeconds, exception.Message);

    private async Task OfferNewChangesAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var changes = await reader.ReadAfterAsync(OfferedThrough!.Value, cancellationToken);
            if (changes.Count == 0)
            {
                return;
            }

            foreach (var change in changes)
            {
                foreach (var subscriber in _subscribers.Keys)
                {
                    subscriber.Offer(change);
                }

                OfferedThrough = change.Cursor;
            }
        }
    }

    private async Task SendHeartbeatsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var heartbeat = Heartbeat(Clock.GetUtcNow());
                foreach (var subscriber in _subscribers.Keys)
                {
                    subscriber.Offer(heartbeat);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A heartbeat change: one <c>heartbeat</c> event whose data is the server's time.</summary>
    public static StreamChange Heartbeat(DateTimeOffset now) => new(0, 0, StreamChange.HeartbeatKind, "", new HashSet<string>(), [
        new StreamEvent(StreamEvent.Heartbeat, null, 0, null,
            string.Create(CultureInfo.InvariantCulture, $$"""{"time":"{{now.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}}"}"""))]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for changes; streams get what commits after change {Sequence}")]
    private static partial void LogListening(ILogger logger, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change feed is unavailable ({Reason}); streams wait, retrying in {Seconds} s")]
    private static partial void LogLost(ILogger logger, double seconds, string reason);
}
