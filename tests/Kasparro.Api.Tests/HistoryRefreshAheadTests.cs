using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Kasparro.Api.History;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Tests;

/// <summary>
/// Refresh ahead in <see cref="HistoryCache"/>: an entry that its asset's change drops, and that was asked for since it
/// was last rendered, is rendered again in the background so the next request finds it kept; so is one asked for in the
/// last quarter of its age, before it expires; nothing else is.
/// </summary>
public sealed class HistoryRefreshAheadTests : IDisposable
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private static readonly HistoryKey Bitcoin = new(HistoryDocumentKind.History, "btc-bitcoin", "1h", 0, 1, HistoryDocumentLayout.Columns);
    private static readonly HistoryKey Ethereum = new(HistoryDocumentKind.History, "eth-ethereum", "1h", 0, 1, HistoryDocumentLayout.Columns);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly HistoryCache _cache;
    private readonly Dictionary<string, int> _renderings = [];
    private static readonly AsyncLocal<bool> InRequest = new();
    private volatile bool _failBitcoin;
    private int _bitcoinRenderedForRequests;

    public HistoryRefreshAheadTests() => _cache = StartCache(new HistoryCacheOptions().MaxAgeSeconds);

    public void Dispose()
    {
        _cache.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task An_entry_asked_for_near_the_end_of_its_age_is_rendered_again_before_it_expires_and_served_meanwhile()
    {
        // Ages of seconds, not less: a fresh test process's thread pool was seen to start a timer's continuation ~0.5 s
        // late, and the document must not expire in between (then a request would rightly render it).
        using var cache = StartCache(maxAgeSeconds: 4);
        var kept = Stopwatch.StartNew();
        Assert.Equal("btc-bitcoin 1", await GetAsync(Bitcoin, cache));

        // Asked for before its last quarter: served, nothing rendered.
        Assert.Equal("btc-bitcoin 1", await GetAsync(Bitcoin, cache));
        await Task.Delay(TimeSpan.FromSeconds(3.2) - kept.Elapsed);
        Assert.Equal(1, Renderings(Bitcoin));

        // In its last quarter: this request is served the kept rendering; the next one is rendered in the background.
        Assert.Equal("btc-bitcoin 1", await GetAsync(Bitcoin, cache));
        await Poll.UntilAsync(async () => await GetAsync(Bitcoin, cache) == "btc-bitcoin 2", Soon, "Bitcoin rendered ahead of its age and kept");

        // Read steadily for twice its age: no request ever renders (each rendering was made ahead of the last one's expiry).
        var steadily = Stopwatch.StartNew();
        while (steadily.Elapsed < TimeSpan.FromSeconds(8))
        {
            Assert.StartsWith("btc-bitcoin ", await GetAsync(Bitcoin, cache));
            await Task.Delay(100);
        }

        Assert.Equal(1, Volatile.Read(ref _bitcoinRenderedForRequests));
        Assert.InRange(Renderings(Bitcoin), 3, 6);
    }

    [Fact]
    public async Task An_entry_not_asked_for_near_the_end_of_its_age_expires_and_the_next_request_renders_it()
    {
        using var cache = StartCache(maxAgeSeconds: 1);
        Assert.Equal("btc-bitcoin 1", await GetAsync(Bitcoin, cache));

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, Renderings(Bitcoin));
        Assert.Equal("btc-bitcoin 2", await GetAsync(Bitcoin, cache));
    }

    [Fact]
    public async Task An_entry_due_for_its_age_and_changed_at_once_is_rendered_ahead_for_the_change_and_kept()
    {
        using var cache = StartCache(maxAgeSeconds: 4);
        await GetAsync(Bitcoin, cache);
        await Task.Delay(TimeSpan.FromSeconds(3.2));

        // Due for its age, then dropped by a change at once. The rendering for its age is skipped (the change came first)
        // or, if it had begun, refused when done (it read rows from before the change); either way the change's own
        // rendering ahead is the one kept, and no request renders it.
        Assert.Equal("btc-bitcoin 1", await GetAsync(Bitcoin, cache));
        cache.Changed("btc-bitcoin");
        await RenderedAheadAfterwardsAsync(Ethereum, cache);

        var made = Renderings(Bitcoin);
        Assert.InRange(made, 2, 3);
        Assert.Equal($"btc-bitcoin {made}", await GetAsync(Bitcoin, cache));
        Assert.Equal(1, Volatile.Read(ref _bitcoinRenderedForRequests));
    }

    private HistoryCache StartCache(int maxAgeSeconds)
    {
        var cache = new HistoryCache(Options.Create(new HistoryCacheOptions { MaxAgeSeconds = maxAgeSeconds }), _services.GetRequiredService<IMeterFactory>());
        cache.StartServing();
        return cache;
    }

    [Fact]
    public async Task A_kept_entry_is_rendered_again_when_its_asset_changes_and_the_next_request_finds_the_new_rendering()
    {
        Assert.Equal("btc-bitcoin 1", await GetAsync(Bitcoin));

        _cache.Changed("btc-bitcoin");
        await Poll.UntilAsync(() => Task.FromResult(Renderings(Bitcoin) == 2), Soon, "Bitcoin rendered ahead");

        Assert.Equal("btc-bitcoin 2", await GetAsync(Bitcoin));
        Assert.Equal(2, Renderings(Bitcoin));
    }

    [Fact]
    public async Task An_entry_rendered_ahead_and_not_asked_for_since_is_not_rendered_again_on_the_next_change()
    {
        await GetAsync(Bitcoin);
        _cache.Changed("btc-bitcoin");
        await Poll.UntilAsync(() => Task.FromResult(Renderings(Bitcoin) == 2), Soon, "Bitcoin rendered ahead");

        // Nobody asked for Bitcoin's new rendering: its next change drops it and leaves it to the next request.
        _cache.Changed("btc-bitcoin");
        await RenderedAheadAfterwardsAsync(Ethereum);
        Assert.Equal(2, Renderings(Bitcoin));
        Assert.Equal("btc-bitcoin 3", await GetAsync(Bitcoin));

        // Asked for again (rendered on demand above, then served from memory): the next change renders it ahead once more.
        Assert.Equal("btc-bitcoin 3", await GetAsync(Bitcoin));
        _cache.Changed("btc-bitcoin");
        await Poll.UntilAsync(() => Task.FromResult(Renderings(Bitcoin) == 4), Soon, "Bitcoin rendered ahead again");
    }

    [Fact]
    public async Task Changes_to_other_assets_or_to_everything_render_nothing_ahead()
    {
        await GetAsync(Bitcoin);

        _cache.Changed("eth-ethereum,sol-solana");
        _cache.Changed("*");
        await RenderedAheadAfterwardsAsync(Ethereum);

        Assert.Equal(1, Renderings(Bitcoin));
        Assert.Equal("btc-bitcoin 2", await GetAsync(Bitcoin));
    }

    [Fact]
    public async Task A_rendering_ahead_that_fails_keeps_nothing_and_the_next_request_renders()
    {
        await GetAsync(Bitcoin);
        using var listener = new MeterListener();
        var failed = 0;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>() && instrument.Name == "kasparro.api.history_cache.refreshes")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if ((string?)tags[0].Value == "failed")
            {
                Interlocked.Add(ref failed, (int)value);
            }
        });
        listener.Start();

        _failBitcoin = true;
        _cache.Changed("btc-bitcoin");
        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref failed) == 1), Soon, "the failed rendering ahead");

        _failBitcoin = false;
        Assert.Equal("btc-bitcoin 3", await GetAsync(Bitcoin));
        Assert.Equal("btc-bitcoin 3", await GetAsync(Bitcoin));
    }

    /// <summary>
    /// Keeps <paramref name="barrier"/>, changes it and waits for its rendering ahead: renderings ahead run one at a time
    /// in the order of the changes, so any that the changes before would have caused has run by then.
    /// </summary>
    private async Task RenderedAheadAfterwardsAsync(HistoryKey barrier, HistoryCache? cache = null)
    {
        await GetAsync(barrier, cache);
        var before = Renderings(barrier);
        (cache ?? _cache).Changed(barrier.AssetId);
        await Poll.UntilAsync(() => Task.FromResult(Renderings(barrier) == before + 1), Soon, "the barrier rendered ahead");
    }

    private int Renderings(HistoryKey key)
    {
        lock (_renderings)
        {
            return _renderings.GetValueOrDefault(key.AssetId);
        }
    }

    /// <summary>The key's document as the cache gives it: its JSON names the asset and which rendering it was.</summary>
    private async Task<string> GetAsync(HistoryKey key, HistoryCache? cache = null)
    {
        // A rendering on the request's own flow is one the request waited for; ahead of requests, the cache's renders.
        // Counted for Bitcoin, the asset the age tests follow (their barrier asset is rendered for a request too).
        InRequest.Value = true;
        var document = await (cache ?? _cache).GetOrRenderAsync(key, (kept, _) =>
        {
            Assert.True(kept);
            if (InRequest.Value && key == Bitcoin)
            {
                Interlocked.Increment(ref _bitcoinRenderedForRequests);
            }

            int rendering;
            lock (_renderings)
            {
                rendering = _renderings[key.AssetId] = _renderings.GetValueOrDefault(key.AssetId) + 1;
            }

            if (_failBitcoin && key == Bitcoin)
            {
                throw new InvalidOperationException("the database is away");
            }

            return Task.FromResult<HistoryDocument?>(HistoryDocument.Of(Encoding.UTF8.GetBytes($"{key.AssetId} {rendering}"), compress: true));
        }, CancellationToken.None);
        return Encoding.UTF8.GetString(document!.Json?.ToArray() ?? document.Inflate());
    }
}
