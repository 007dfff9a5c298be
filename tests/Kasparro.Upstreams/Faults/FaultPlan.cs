using System.Collections.Concurrent;

namespace Kasparro.Upstreams.Faults;

/// <summary>The faults waiting for each route: queued ones are consumed one request each, a persistent one
/// applies to every request until cleared (queued faults go first).</summary>
public sealed class FaultPlan
{
    private readonly ConcurrentDictionary<UpstreamRoute, ConcurrentQueue<Fault>> queued = new();
    private readonly ConcurrentDictionary<UpstreamRoute, Fault> persistent = new();

    /// <summary>Makes the next <paramref name="times"/> requests to <paramref name="route"/> fail with <paramref name="fault"/>.</summary>
    public void Enqueue(UpstreamRoute route, Fault fault, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        var queue = queued.GetOrAdd(route, _ => new ConcurrentQueue<Fault>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    /// <summary>Makes every request to <paramref name="route"/> fail with <paramref name="fault"/> until <see cref="Clear"/>.</summary>
    public void Persistent(UpstreamRoute route, Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        persistent[route] = fault;
    }

    /// <summary>Removes queued and persistent faults of one route, or of every route when null.</summary>
    public void Clear(UpstreamRoute? route = null)
    {
        if (route is { } r)
        {
            queued.TryRemove(r, out _);
            persistent.TryRemove(r, out _);
            return;
        }

        queued.Clear();
        persistent.Clear();
    }

    /// <summary>How many queued faults are still waiting for <paramref name="route"/>.</summary>
    public int Pending(UpstreamRoute route) => queued.TryGetValue(route, out var queue) ? queue.Count : 0;

    internal Fault? Take(UpstreamRoute route)
    {
        if (queued.TryGetValue(route, out var queue) && queue.TryDequeue(out var fault))
        {
            return fault;
        }

        return persistent.TryGetValue(route, out var always) ? always : null;
    }
}
