using Kasparro.Contracts;
using Kasparro.Dashboard.Api;

namespace Kasparro.Dashboard.Live;

/// <summary>
/// One circuit's (one browser tab's) window on <see cref="LiveFeedHub"/>, with the pause switch of the live
/// indicator: while paused nothing is passed on; resuming asks pages to re-read (what they missed is then shown).
/// </summary>
public sealed class LiveUpdates : IDisposable
{
    private readonly LiveFeedHub _hub;

    public LiveUpdates(LiveFeedHub hub)
    {
        _hub = hub;
        _hub.StateChanged += OnStateChanged;
        _hub.PriceReceived += OnPrice;
        _hub.RunReceived += OnRun;
        _hub.Resynced += OnResynced;
    }

    public bool IsPaused { get; private set; }

    public LiveState State => IsPaused ? LiveState.Paused : _hub.State;

    public event Action? StateChanged;

    public event Action<MarketRecordItem>? PriceReceived;

    public event Action<RunItem>? RunReceived;

    /// <summary>Pages should re-read what they show: after a pause, or when the stream could not say what was missed.</summary>
    public event Action? Resynced;

    public void SetPaused(bool paused)
    {
        if (paused == IsPaused)
        {
            return;
        }

        IsPaused = paused;
        StateChanged?.Invoke();
        if (!paused)
        {
            Resynced?.Invoke();
        }
    }

    public void Dispose()
    {
        _hub.StateChanged -= OnStateChanged;
        _hub.PriceReceived -= OnPrice;
        _hub.RunReceived -= OnRun;
        _hub.Resynced -= OnResynced;
    }

    private void OnStateChanged() => StateChanged?.Invoke();

    private void OnPrice(MarketRecordItem price)
    {
        if (!IsPaused)
        {
            PriceReceived?.Invoke(price);
        }
    }

    private void OnRun(RunItem run)
    {
        if (!IsPaused)
        {
            RunReceived?.Invoke(run);
        }
    }

    private void OnResynced()
    {
        if (!IsPaused)
        {
            Resynced?.Invoke();
        }
    }
}
