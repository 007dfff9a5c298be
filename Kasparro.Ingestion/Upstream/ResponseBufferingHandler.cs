namespace Kasparro.Ingestion.Upstream;

/// <summary>
/// Reads the whole response body inside each attempt, so a slow, stalled or truncated body is covered by
/// the attempt timeout and retried like any other transient failure (HttpClient would otherwise read it
/// after the resilience pipeline has already returned).
/// </summary>
public sealed class ResponseBufferingHandler : DelegatingHandler
{
    /// <summary>Larger bodies are refused: no upstream answer we read is anywhere near this.</summary>
    public const long MaxBodyBytes = 256L * 1024 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        RunScope.Current?.CountRequest();
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(MaxBodyBytes, cancellationToken);
        return response;
    }
}
