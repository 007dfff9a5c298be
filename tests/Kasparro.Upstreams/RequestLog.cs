namespace Kasparro.Upstreams;

/// <summary>A thread-safe, append-only log of the requests the fake upstream received.</summary>
public sealed class RequestLog
{
    private readonly Lock gate = new();
    private readonly List<RecordedRequest> requests = [];

    /// <summary>A copy of every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> All
    {
        get
        {
            lock (gate)
            {
                return requests.ToArray();
            }
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return requests.Count;
            }
        }
    }

    public IReadOnlyList<RecordedRequest> To(UpstreamRoute route) => All.Where(r => r.Route == route).ToArray();

    public void Clear()
    {
        lock (gate)
        {
            requests.Clear();
        }
    }

    internal void Add(RecordedRequest request)
    {
        lock (gate)
        {
            requests.Add(request);
        }
    }
}
