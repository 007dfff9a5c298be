using System.Net.ServerSentEvents;
using System.Text.Json;
using Kasparro.Contracts;
using Kasparro.Dashboard.Api;

namespace Kasparro.Dashboard.Live;

/// <summary>
/// Holds the dashboard server's one subscription to the API's <c>GET /stream</c> (not one per browser) and hands
/// what arrives to <see cref="LiveFeedHub"/>. A broken stream is reopened with backoff and the last event id, so the
/// API sends exactly what was missed.
/// </summary>
/// <remarks>
/// The subscription is the server's, not a user's: where the API refuses anonymous reads (outside Development) it is
/// made with the dashboard's own reader key, <c>Api:ApiKey</c> (docs/security.md).
/// </remarks>
public sealed partial class LiveFeedReader(IHttpClientFactory httpClients, LiveFeedHub hub, Microsoft.Extensions.Options.IOptions<KasparroApiOptions> options, ILogger<LiveFeedReader> logger) : BackgroundService
{
    /// <summary>The named HttpClient: the API through service discovery, no timeout, no resilience handlers (the stream stays open).</summary>
    public const string HttpClientName = "kasparro-stream";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string? lastEventId = null;
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "stream?events=price,run");
                if (lastEventId is not null)
                {
                    request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
                }

                if (!string.IsNullOrWhiteSpace(options.Value.ApiKey))
                {
                    request.Headers.Add("X-Api-Key", options.Value.ApiKey);
                }

                using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync(stoppingToken);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(stoppingToken))
                {
                    hub.SetState(LiveState.Live);
                    retry = FirstRetry;
                    if (item.EventId is { Length: > 0 } id)
                    {
                        lastEventId = id;
                    }

                    Dispatch(item.EventType, item.Data);
                }

                LogEnded(logger);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            // Whatever broke the stream (the API restarting, a proxy closing it), the pages keep working from REST
            // and the stream is reopened.
            catch (Exception exception)
            {
                LogLost(logger, retry.TotalSeconds, exception.Message);
            }

            hub.SetState(LiveState.Reconnecting);
            try
            {
                await Task.Delay(retry, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
        }
    }

    private void Dispatch(string type, string data)
    {
        switch (type)
        {
            case "price" when JsonSerializer.Deserialize<MarketRecordItem>(data, ContractJson.Options) is { } price:
                hub.Publish(price);
                break;
            case "run" when JsonSerializer.Deserialize<RunItem>(data, ContractJson.Options) is { } run:
                hub.Publish(run);
                break;
            case "reset":
                hub.Resync();
                break;
            // heartbeat: only proves the stream is alive; overflow: the stream ends next and is reopened.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The API closed the change stream; reopening it")]
    private static partial void LogEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change stream is unavailable ({Reason}); retrying in {Seconds} s")]
    private static partial void LogLost(ILogger logger, double seconds, string reason);
}
