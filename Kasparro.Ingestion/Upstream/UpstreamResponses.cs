using System.Net;
using System.Text.Json;

namespace Kasparro.Ingestion.Upstream;

/// <summary>Turns an upstream HTTP answer into a JSON array, or into an <see cref="UpstreamException"/> that says why not.</summary>
public static class UpstreamResponses
{
    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamException(DescribeFailure(response, what));
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw new UpstreamException($"{what} answered {mediaType} instead of JSON (status {(int)response.StatusCode}).");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        try
        {
            return await JsonDocument.ParseAsync(body, default, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new UpstreamException($"{what} sent malformed JSON: {ex.Message}", ex);
        }
    }

    public static async Task<JsonDocument> ReadJsonArrayAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var document = await ReadJsonAsync(response, what, cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            throw new UpstreamException($"{what} sent a JSON {kind} where an array was expected.");
        }

        return document;
    }

    private static string DescribeFailure(HttpResponseMessage response, string what)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        return response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests when UpstreamHttp.RetryAfter(response) is { } wait =>
                $"{what} is rate limited and asked us to wait {wait.TotalSeconds:0} s (Retry-After); giving up, because that is longer than Etl:MaxRetryAfter or the 429s outlasted Etl:MaxRetries.",
            HttpStatusCode.TooManyRequests => $"{what} kept answering 429 Too Many Requests after every retry.",
            HttpStatusCode.PaymentRequired => $"{what} answered 402 Payment Required: the plan's quota is used up (not retried until the next period).",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"{what} refused access ({status}): check the API key and that it matches the base URL.",
            _ => $"{what} answered {status} after every retry.",
        };
    }
}
