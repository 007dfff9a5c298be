using System.Threading.Channels;

namespace Kasparro.Api.Streaming;

/// <summary>
/// One client's place in the fan-out: the changes waiting for it, bounded by <see cref="StreamOptions.ClientBuffer"/>.
/// When a change does not fit the client has fallen too far behind: it is marked overflowed (its stream ends with
/// <c>event: overflow</c>) and, if its connection cannot even take that within <see cref="OverflowGrace"/>, the
/// connection is aborted. Nothing ever waits for a slow client: memory per client stays bounded.
/// </summary>
public sealed class StreamSubscription : IDisposable
{
    /// <summary>How long an overflowed client has to take its final event before its connection is aborted.</summary>
    public static readonly TimeSpan OverflowGrace = TimeSpan.FromSeconds(5);

    private readonly Channel<StreamChange> _pending;
    private readonly Action<StreamSubscription> _unsubscribe;
    private readonly CancellationTokenSource _abortAfterOverflow = new();
    private readonly Lock _gate = new();
    private Action? _abortConnection;
    private bool _disposed;
    private int _overflowed;

    public StreamSubscription(StreamFilter filter, int capacity, Action<StreamSubscription> unsubscribe)
    {
        Filter = filter;
        _unsubscribe = unsubscribe;
        _pending = Channel.CreateBounded<StreamChange>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _abortAfterOverflow.Token.Register(() =>
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _abortConnection?.Invoke();
                }
            }
        });
    }

    public StreamFilter Filter { get; }

    /// <summary>The changes waiting to be written; completed when the client overflowed.</summary>
    public ChannelReader<StreamChange> Pending => _pending.Reader;

    public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

    /// <summary>What to do with a connection that overflowed and is stuck (the endpoint passes HttpContext.Abort).</summary>
    public void OnStuckAfterOverflow(Action abortConnection) => _abortConnection = abortConnection;

    /// <summary>Queues a change the client wants; never waits.</summary>
    public void Offer(StreamChange change)
    {
        if (Overflowed || !Filter.Wants(change))
        {
            return;
        }

        if (!_pending.Writer.TryWrite(change) && Interlocked.Exchange(ref _overflowed, 1) == 0)
        {
            _pending.Writer.TryComplete();
            lock (_gate)
            {
                if (!_disposed)
                {
                    _abortAfterOverflow.CancelAfter(OverflowGrace);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _unsubscribe(this);
        _pending.Writer.TryComplete();
        _abortAfterOverflow.Dispose();
    }
}
