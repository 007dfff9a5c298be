namespace Kasparro.Upstreams.Endpoints;

/// <summary>A rendered response before delivery (where slow, truncated or aborted delivery faults apply).</summary>
internal sealed record UpstreamReply(int StatusCode, string ContentType, byte[] Body)
{
    public const string Json = "application/json; charset=utf-8";

    public static UpstreamReply JsonBody(byte[] body, int statusCode = StatusCodes.Status200OK) => new(statusCode, Json, body);

    public static UpstreamReply JsonText(int statusCode, string json) => new(statusCode, Json, System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Extra headers (e.g. <c>Retry-After</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
