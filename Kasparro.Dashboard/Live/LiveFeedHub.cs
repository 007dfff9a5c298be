using Kasparro.Contracts;
using Kasparro.Dashboard.Api;

namespace Kasparro.Dashboard.Live;

/// <summary>
/// The dashboard server's one view of the API's change stream, shared by every circuit: the feed's state and the
/// events as they arrive. <see cref="LiveFeedReader"/> fills it; each circuit listens through its <see cref="LiveUpdates"/>.
/// Handlers run on the reader's thread and must not block (components hop onto their own with InvokeAsync).
/// </summary>
public sealed class LiveFeedHub
{
    private volatile LiveState _state = LiveState.Connecting;

    public LiveState State => _state;

    public event Action? StateChanged;

    public event Action<MarketRecordItem>? PriceReceived;

    public event Action<RunItem>? RunReceived;

    /// <summary>The stream could not say what was missed (the API sent <c>reset</c>): pages re-read what they show.</summary>
    public event Action? Resynced;

    public void SetState(LiveState state)
    {
        if (_state != state)
        {
            _state = state;
            StateChanged?.Invoke();
        }
    }

    public void Publish(MarketRecordItem price) => PriceReceived?.Invoke(price);

    public void Publish(RunItem run) => RunReceived?.Invoke(run);

    public void Resync() => Resynced?.Invoke();
}
