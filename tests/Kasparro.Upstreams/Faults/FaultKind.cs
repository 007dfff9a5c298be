namespace Kasparro.Upstreams.Faults;

/// <summary>The failure modes the fake upstream can inject, each one seen from the real services or their CDNs.</summary>
public enum FaultKind
{
    /// <summary>429 with a <c>Retry-After</c> header (seconds) when <see cref="Fault.RetryAfter"/> is set, without one otherwise.</summary>
    TooManyRequests,

    /// <summary>402 Payment Required (CoinPaprika's monthly quota is exhausted; not retryable until the next period).</summary>
    PaymentRequired,

    /// <summary>401 Unauthorized with the API's error JSON.</summary>
    Unauthorized,

    /// <summary>500 Internal Server Error.</summary>
    InternalServerError,

    /// <summary>503 Service Unavailable.</summary>
    ServiceUnavailable,

    /// <summary>No response until the client gives up, or until <see cref="Fault.Delay"/> passes and then the normal response.</summary>
    Hang,

    /// <summary>200 with <c>application/json</c> and a body that is not valid JSON (the normal body cut short
    /// with a correct <c>Content-Length</c>).</summary>
    MalformedJson,

    /// <summary>200 with a JSON object where the endpoint normally returns an array.</summary>
    ObjectInsteadOfArray,

    /// <summary>A CDN-style HTML error page (<c>text/html</c>), status 502 unless <see cref="Fault.StatusCode"/> says otherwise.</summary>
    HtmlErrorPage,

    /// <summary>The normal body cut in half while <c>Content-Length</c> announces the whole of it.</summary>
    TruncatedBody,

    /// <summary>The normal body streamed chunked and the connection aborted half way.</summary>
    AbortedMidStream,

    /// <summary>The normal body trickled in small chunks with a pause between them.</summary>
    SlowStream,
}
