namespace Kasparro.Upstreams.Faults;

/// <summary>One injected failure; build it with the static factories.</summary>
/// <param name="Kind">What goes wrong.</param>
/// <param name="RetryAfter">For <see cref="FaultKind.TooManyRequests"/>: the <c>Retry-After</c> value, or null to omit the header.</param>
/// <param name="Delay">For <see cref="FaultKind.Hang"/>: how long before answering normally (null: never). For
/// <see cref="FaultKind.SlowStream"/>: the pause between chunks.</param>
/// <param name="ChunkBytes">For <see cref="FaultKind.SlowStream"/>: bytes per chunk.</param>
/// <param name="StatusCode">For <see cref="FaultKind.HtmlErrorPage"/>: the status sent with the page.</param>
public sealed record Fault(FaultKind Kind, TimeSpan? RetryAfter = null, TimeSpan? Delay = null, int ChunkBytes = 0, int StatusCode = 0)
{
    public static Fault TooManyRequests(int? retryAfterSeconds = null) =>
        new(FaultKind.TooManyRequests, RetryAfter: retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null);

    public static Fault PaymentRequired() => new(FaultKind.PaymentRequired);

    public static Fault Unauthorized() => new(FaultKind.Unauthorized);

    public static Fault InternalServerError() => new(FaultKind.InternalServerError);

    public static Fault ServiceUnavailable() => new(FaultKind.ServiceUnavailable);

    /// <summary>Hangs until the client disconnects, or answers normally after <paramref name="delay"/>.</summary>
    public static Fault Hang(TimeSpan? delay = null) => new(FaultKind.Hang, Delay: delay);

    public static Fault MalformedJson() => new(FaultKind.MalformedJson);

    public static Fault ObjectInsteadOfArray() => new(FaultKind.ObjectInsteadOfArray);

    /// <summary>A CDN error page; pass 200 for the nastiest variant (a captive portal or a misrouted proxy).</summary>
    public static Fault HtmlErrorPage(int statusCode = 502) => new(FaultKind.HtmlErrorPage, StatusCode: statusCode);

    public static Fault TruncatedBody() => new(FaultKind.TruncatedBody);

    public static Fault AbortedMidStream() => new(FaultKind.AbortedMidStream);

    /// <summary>Trickles the normal body <paramref name="chunkBytes"/> at a time with <paramref name="pause"/> between chunks.</summary>
    public static Fault SlowStream(TimeSpan pause, int chunkBytes = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        return new(FaultKind.SlowStream, Delay: pause, ChunkBytes: chunkBytes);
    }

    /// <summary>True when the fault replaces the response entirely (no normal body is rendered).</summary>
    internal bool ReplacesResponse => Kind is FaultKind.TooManyRequests or FaultKind.PaymentRequired
        or FaultKind.Unauthorized or FaultKind.InternalServerError or FaultKind.ServiceUnavailable
        or FaultKind.ObjectInsteadOfArray or FaultKind.HtmlErrorPage;
}
