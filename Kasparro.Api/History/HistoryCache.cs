using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Kasparro.Api.Hosting;
using Kasparro.Data;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Kasparro.Api.History;

/// <summary>
/// Identifies a cached entry: what it is (<see cref="HistoryDocumentKind"/>), the asset, the interval, the aligned range, the
/// layout and, for candles, the one source asked for (null: all).
/// </summary>
public readonly record struct HistoryKey(HistoryDocumentKind Kind, string AssetId, string Interval, long FromTicks, long ToTicks,
    HistoryDocumentLayout Layout, string? Source = null);

/// <summary>What the <see cref="HistoryCache"/> can keep: its size in memory and the form to keep.</summary>
public interface IHistoryCacheEntry
{
    /// <summary>Bytes held in memory.</summary>
    long Size { get; }

    /// <summary>The form kept in memory (for a document: its compressed bytes only), or null when this one may not be kept.</summary>
    IHistoryCacheEntry? ToKeep();
}

/// <summary>
/// Rendered history and candle responses (<see cref="HistoryDocument"/>, compressed; plain copies beside them on demand,
/// see <see cref="WithPlainCopy"/>) and the raw history's rendered day windows (<see cref="HistoryRawWindow"/>) kept in memory, bounded by
/// <see cref="HistoryCacheOptions"/>. It only serves while <see cref="HistoryChangeListener"/> is listening for
/// PostgreSQL's change notifications: an asset's documents are dropped when its history changes, all of them when the
/// listener (re)connects, and none is served while it is not connected. An entry dropped by its asset's change that was
/// asked for since it was last rendered is rendered again at once, in the background and one at a time (refresh ahead),
/// so the next request finds it kept instead of rendering it (docs/performance.md, "Refresh ahead"). Likewise an entry
/// asked for in the last quarter of its <see cref="HistoryCacheOptions.MaxAgeSeconds"/> is rendered again before it
/// expires, and the kept one is served meanwhile: under a steady read load, a document read often never expires under
/// its readers (each expiry would otherwise be one request that waits for a year to be read and rendered).
/// </summary>
public sealed partial class HistoryCache : IDisposable
{
    private readonly MemoryCache _documents;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _refreshAfter;
    private readonly bool _enabled;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _perAsset = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<HistoryKey, Lazy<Task<IHistoryCacheEntry?>>> _rendering = new();
    private readonly Counter<long> _lookups;
    private readonly Counter<long> _plainCopies;
    private readonly Counter<long> _refreshes;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<HistoryKey, Refresh>> _refreshable = new(StringComparer.Ordinal);
    private readonly Channel<(HistoryKey Key, Refresh Refresh, bool Aged)> _toRefresh =
        Channel.CreateUnbounded<(HistoryKey, Refresh, bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Lock _everythingLock = new();
    private CancellationTokenSource _everything = new();
    private volatile bool _listening;

    public HistoryCache(IOptions<HistoryCacheOptions> options, IMeterFactory meters, ILogger<HistoryCache>? logger = null)
    {
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var settings = options.Value;
        _enabled = settings.SizeLimitMegabytes > 0;
        _maxAge = TimeSpan.FromSeconds(settings.MaxAgeSeconds);
        _refreshAfter = _maxAge * 0.75;
        _documents = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = Math.Max(1, settings.SizeLimitMegabytes * 1024L * 1024L),
        });
        _lookups = meters.Create(Kasparro.TelemetryNames.Api).CreateCounter<long>(
            "kasparro.api.history_cache.lookups", description: "History responses by how the cache answered (hit; miss, rendered; joined, waited for another request's rendering; bypass, cache not serving).");
        _plainCopies = meters.Create(Kasparro.TelemetryNames.Api).CreateCounter<long>(
            "kasparro.api.history_cache.plain_copies", description: "Kept documents sent plain from a copy kept beside them (hit), or inflated for the request (inflated).");
        _refreshes = meters.Create(Kasparro.TelemetryNames.Api).CreateCounter<long>(
            "kasparro.api.history_cache.refreshes", description: "Entries rendered again in the background after their asset changed or near the end of their age (rendered; failed), or found rendered by a request first, or changed since (skipped).");
        _ = Task.Run(RefreshAsync);
    }

    /// <summary>Whether documents may be served and stored: configured, and change notifications are arriving.</summary>
    public bool IsServing => _enabled && _listening;

    /// <summary>
    /// The entry for <paramref name="key"/>: from memory, or rendered by <paramref name="render"/> and kept. The
    /// render is told whether its entry will be kept (a document must then be compressed) and returns null for a missing
    /// asset. Requests that miss on the same key while it renders wait for that one rendering instead of each reading
    /// the same year again (after a change to a popular asset, many arrive at once).
    /// </summary>
    public async Task<TEntry?> GetOrRenderAsync<TEntry>(HistoryKey key, Func<bool, CancellationToken, Task<TEntry?>> render,
        CancellationToken cancellationToken) where TEntry : class, IHistoryCacheEntry
    {
        if (!IsServing)
        {
            Count("bypass");
            return await render(false, cancellationToken);
        }

        if (_documents.TryGetValue(key, out TEntry? kept))
        {
            Count("hit");
            Asked(key);
            return kept;
        }

        var rendering = new Lazy<Task<IHistoryCacheEntry?>>(() => RenderAndStoreAsync(key, new Refresh(Untyped(render)), asked: true));
        var shared = _rendering.GetOrAdd(key, rendering);
        Count(ReferenceEquals(shared, rendering) ? "miss" : "joined");
        if (!ReferenceEquals(shared, rendering))
        {
            // Joining a refresh ahead counts as asking for its entry, so the next change renders it again too.
            Asked(key);
        }

        // Each waiter may give up on its own; the rendering itself runs to its end for the others (and the cache).
        // The key's kind fixes the entry's type, so every rendering of a key returns a TEntry.
        return (TEntry?)await shared.Value.WaitAsync(cancellationToken);
    }

    /// <summary>A render as the cache keeps it to render again: for a kept entry (compressed), not cancelled by a waiter.</summary>
    private static Func<Task<IHistoryCacheEntry?>> Untyped<TEntry>(Func<bool, CancellationToken, Task<TEntry?>> render)
        where TEntry : class, IHistoryCacheEntry =>
        async () => await render(true, CancellationToken.None);

    /// <summary>
    /// Renders <paramref name="key"/>'s entry and keeps it; <paramref name="asked"/>: for a request (then the asset's next
    /// change renders it again) rather than ahead of one.
    /// </summary>
    private async Task<IHistoryCacheEntry?> RenderAndStoreAsync(HistoryKey key, Refresh refresh, bool asked)
    {
        try
        {
            // The tokens that a change to this asset (or to everything) will cancel, taken before the rows are read.
            var asset = _perAsset.GetOrAdd(key.AssetId, static _ => new CancellationTokenSource());
            var everything = EverythingToken();
            refresh.IsAsked = asked;
            if (!asked)
            {
                // Ahead of requests: registered while it renders, so a request joining it marks it asked.
                Register(key, refresh);
            }

            var stored = false;
            try
            {
                var entry = await refresh.Render();
                stored = entry is not null && Store(key, entry, asset.Token, everything);
                if (stored)
                {
                    refresh.Kept();
                    Register(key, refresh);
                }

                return entry;
            }
            finally
            {
                if (!stored || asset.IsCancellationRequested)
                {
                    // Not kept, or dropped already by a change that may have missed this registration.
                    Forget(key, refresh);
                }
            }
        }
        finally
        {
            _rendering.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// <paramref name="document"/>, as the cache returned it for <paramref name="key"/>, with its plain JSON for a client
    /// that refuses gzip: from the plain copy kept beside it, or inflated now and kept. A copy counts against the same
    /// memory as the documents but at low priority, so the cache evicts copies before any rendering (which costs far more
    /// to make again). It is keyed by the document's <see cref="HistoryDocument.Kept"/> stamp, so only requests holding
    /// that very rendering find it, and it goes with the asset's change like the document.
    /// </summary>
    public HistoryDocument WithPlainCopy(HistoryKey key, HistoryDocument document)
    {
        if (document.Json is not null)
        {
            return document;
        }

        var copyKey = new PlainCopyKey(key, document.Kept);
        if (_documents.TryGetValue(copyKey, out byte[]? copy))
        {
            Count(_plainCopies, "hit");
            return document.WithJson(copy);
        }

        var everything = EverythingToken();
        // No token for the asset: it changed since this document was rendered (nothing has rendered it again yet), so
        // the copy would be of an outdated rendering.
        var keep = _perAsset.TryGetValue(key.AssetId, out var asset);
        var json = document.Inflate();
        Count(_plainCopies, "inflated");
        if (keep && IsServing && !asset!.IsCancellationRequested && !everything.IsCancellationRequested)
        {
            Keep(copyKey, json, json.Length, CacheItemPriority.Low, asset.Token, everything);
        }

        return document.WithJson(json);
    }

    /// <summary>Where the plain copy of the document kept under <paramref name="Document"/> with stamp <paramref name="Kept"/> is.</summary>
    private readonly record struct PlainCopyKey(HistoryKey Document, long Kept);

    private void Count(string result) => Count(_lookups, result);

    private static void Count(Counter<long> counter, string result) => counter.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>
    /// Keeps <paramref name="rendered"/>'s form to keep, expiring with the tokens taken before its rows were read: if
    /// the asset (or everything) changed since, one is already cancelled, as those rows may predate the change, and
    /// nothing is kept. Only the asset's own changes count: under a steady stream of commits to other assets a slow
    /// rendering (a year, under load) is still kept.
    /// </summary>
    private bool Store(HistoryKey key, IHistoryCacheEntry rendered, CancellationToken asset, CancellationToken everything)
    {
        if (!IsServing || asset.IsCancellationRequested || everything.IsCancellationRequested || rendered.ToKeep() is not { } kept)
        {
            return false;
        }

        Keep(key, kept, kept.Size, CacheItemPriority.Normal, asset, everything, evicted: (_, _, reason, _) =>
        {
            // Out of memory or of age: rendered again when asked, not ahead (a change drops it by its token and renders it ahead).
            if (reason is EvictionReason.Capacity or EvictionReason.Expired && _refreshable.TryGetValue(key.AssetId, out var registered))
            {
                registered.TryRemove(key, out _);
            }
        });
        return true;
    }

    private void Keep(object key, object value, long size, CacheItemPriority priority, CancellationToken asset, CancellationToken everything,
        PostEvictionDelegate? evicted = null)
    {
        // A change that lands from here on cancels a token the entry holds: the cache drops it (or refuses it on arrival).
        using var entry = _documents.CreateEntry(key);
        entry.Value = value;
        entry.Size = size;
        entry.Priority = priority;
        entry.AbsoluteExpirationRelativeToNow = _maxAge;
        entry.ExpirationTokens.Add(new CancellationChangeToken(asset));
        entry.ExpirationTokens.Add(new CancellationChangeToken(everything));
        if (evicted is not null)
        {
            entry.RegisterPostEvictionCallback(evicted);
        }
    }

    /// <summary>The token that the next drop of everything cancels.</summary>
    private CancellationToken EverythingToken()
    {
        lock (_everythingLock)
        {
            return _everything.Token;
        }
    }

    /// <summary>Handles one notification payload: comma-separated asset ids, or <see cref="HistoryChanges.AnyAsset"/>.</summary>
    public void Changed(string payload)
    {
        foreach (var asset in payload.Split(HistoryChanges.Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (asset == HistoryChanges.AnyAsset)
            {
                DropEverything();
                return;
            }

            // Not disposed: a concurrent Store may still read its token (a source without a timer needs no disposal).
            if (_perAsset.TryRemove(asset, out var tokens))
            {
                tokens.Cancel();
            }

            if (_refreshable.TryRemove(asset, out var kept))
            {
                foreach (var (key, refresh) in kept)
                {
                    if (refresh.IsAsked)
                    {
                        _toRefresh.Writer.TryWrite((key, refresh, false));
                    }
                }
            }
        }
    }

    /// <summary>Notifications arrive from now on: start from nothing, since changes may have been missed.</summary>
    public void StartServing()
    {
        DropEverything();
        _listening = true;
    }

    /// <summary>Notifications may be missed from now on: serve nothing.</summary>
    public void StopServing()
    {
        _listening = false;
        DropEverything();
    }

    public void Dispose()
    {
        _toRefresh.Writer.TryComplete();
        _documents.Dispose();
    }

    /// <summary>
    /// Marks <paramref name="key"/>'s kept entry as asked for since it was rendered, and has it rendered again (once)
    /// when it is in the last quarter of its age.
    /// </summary>
    private void Asked(HistoryKey key)
    {
        if (_refreshable.TryGetValue(key.AssetId, out var kept) && kept.TryGetValue(key, out var refresh))
        {
            refresh.IsAsked = true;
            if (refresh.IsDue(_refreshAfter))
            {
                _toRefresh.Writer.TryWrite((key, refresh, true));
            }
        }
    }

    /// <summary>Renders <paramref name="key"/>'s entry again with <paramref name="refresh"/> when its asset changes.</summary>
    private void Register(HistoryKey key, Refresh refresh) =>
        _refreshable.GetOrAdd(key.AssetId, static _ => new ConcurrentDictionary<HistoryKey, Refresh>())[key] = refresh;

    /// <summary>No longer renders <paramref name="key"/> ahead of requests with <paramref name="refresh"/> (a later registration stays).</summary>
    private void Forget(HistoryKey key, Refresh refresh)
    {
        if (_refreshable.TryGetValue(key.AssetId, out var kept))
        {
            kept.TryRemove(new KeyValuePair<HistoryKey, Refresh>(key, refresh));
        }
    }

    /// <summary>
    /// Renders the entries that changes dropped again, one at a time, each unless a request renders it first (then that
    /// rendering is the one kept, see <see cref="GetOrRenderAsync{TEntry}"/>). One at a time: after an ETL run that
    /// changes every asset, requests keep the other core while the entries they ask for are rendered on their own demand.
    /// </summary>
    private async Task RefreshAsync()
    {
        await foreach (var (key, refresh, aged) in _toRefresh.Reader.ReadAllAsync())
        {
            // After a change: unless a request rendered it meanwhile. Near its age: only while it is still the rendering
            // kept (a change since dropped it, and renders it ahead itself if it was asked for).
            if (!IsServing || (aged ? !IsKept(key, refresh) : _documents.TryGetValue(key, out _)))
            {
                Count(_refreshes, "skipped");
                continue;
            }

            // Near its age the kept rendering was asked for (that is what queued it) and stays kept while this renders: it
            // stays asked, so a change landing meanwhile, which refuses this rendering, renders it ahead again.
            var rendering = new Lazy<Task<IHistoryCacheEntry?>>(() => RenderAndStoreAsync(key, refresh, asked: aged));
            if (!ReferenceEquals(_rendering.GetOrAdd(key, rendering), rendering))
            {
                Count(_refreshes, "skipped");
                continue;
            }

            try
            {
                await rendering.Value;
                Count(_refreshes, "rendered");
            }
            catch (Exception exception)
            {
                // Nothing is lost: the next request for it renders it (and reports what fails).
                Count(_refreshes, "failed");
                LogRefreshFailed(_logger, key.AssetId, exception.Message);
            }
        }
    }

    /// <summary>Whether <paramref name="refresh"/> is still how <paramref name="key"/>'s kept entry is rendered again.</summary>
    private bool IsKept(HistoryKey key, Refresh refresh) =>
        _refreshable.TryGetValue(key.AssetId, out var kept) && kept.TryGetValue(key, out var current) && ReferenceEquals(current, refresh)
        && _documents.TryGetValue(key, out _);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not render a history document of {AssetId} ahead of requests ({Reason}); the next request renders it")]
    private static partial void LogRefreshFailed(ILogger logger, string assetId, string reason);

    /// <summary>
    /// How to render a kept entry again, whether it was asked for since it was last rendered, and when that rendering was
    /// kept (to render it again before it expires).
    /// </summary>
    private sealed class Refresh(Func<Task<IHistoryCacheEntry?>> render)
    {
        private long _keptAt;
        private int _due;

        public Func<Task<IHistoryCacheEntry?>> Render { get; } = render;

        public volatile bool IsAsked;

        /// <summary>Its rendering was kept just now: its age starts again.</summary>
        public void Kept()
        {
            Volatile.Write(ref _keptAt, Stopwatch.GetTimestamp());
            Volatile.Write(ref _due, 0);
        }

        /// <summary>True once (until it is kept again) when its rendering has been kept for <paramref name="age"/> or longer.</summary>
        public bool IsDue(TimeSpan age)
        {
            var keptAt = Volatile.Read(ref _keptAt);
            return keptAt != 0 && Stopwatch.GetElapsedTime(keptAt) >= age && Interlocked.CompareExchange(ref _due, 1, 0) == 0;
        }
    }

    private void DropEverything()
    {
        CancellationTokenSource previous;
        lock (_everythingLock)
        {
            previous = _everything;
            _everything = new CancellationTokenSource();
        }

        // Cancelling removes every entry holding the token (and refuses any that a concurrent Store adds with it). Nothing
        // is rendered ahead: this follows a truncate or lost notifications, and requests decide what is still wanted.
        previous.Cancel();
        _refreshable.Clear();
    }
}
