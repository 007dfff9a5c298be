using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kasparro.Ingestion.Tests.Alerts;

/// <summary>One request the test webhook received: the body exactly as sent and its signature header.</summary>
public sealed record ReceivedWebhook(string Body, string? Signature, string? ContentType);

/// <summary>
/// A webhook receiver on a loopback port, started and stopped by the test (stopped = connection refused, the way a
/// webhook that is down looks). It can also answer a number of requests with 503 first.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;
    private int _failuresLeft;

    public WebhookReceiver() => Port = FreePort();

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/hooks/kasparro");

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>How many requests reached it, the ones answered 503 included.</summary>
    public int Requests => _requests;

    private int _requests;

    public void FailNext(int count) => _failuresLeft = count;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{Port}");
        var app = builder.Build();
        app.MapPost("/hooks/kasparro", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _requests);
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            Received.Enqueue(new ReceivedWebhook(body, request.Headers["X-Kasparro-Signature"].ToString(), request.ContentType));
            return Results.NoContent();
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
