using System.Net.ServerSentEvents;
using System.Threading.Channels;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>One event as a client received it.</summary>
public sealed record ReceivedEvent(string Type, string? Id, string Data);

/// <summary>
/// A real HTTP client of <c>GET /stream</c>: reads the response as it arrives and parses it with
/// System.Net.ServerSentEvents' parser, the same way any .NET client would.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly Channel<ReceivedEvent> _events = Channel.CreateUnbounded<ReceivedEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;
    private readonly Task _reading;
    private int _disposed;

    private SseClient(HttpResponseMessage response)
    {
        _response = response;
        _reading = ReadAsync();
    }

    /// <summary>The id of the last event received that had one (what a browser sends as Last-Event-ID).</summary>
    public string? LastEventId { get; private set; }

    /// <summary>True once the server ended the stream.</summary>
    public bool Ended => _reading.IsCompleted;

    /// <summary>Opens the stream and waits for its first heartbeat, so the client is subscribed when this returns.</summary>
    public static async Task<SseClient> ConnectAsync(HttpClient http, string pathAndQuery, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var client = new SseClient(response);
        var first = await client.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("heartbeat", first.Type);
        return client;
    }

    public async Task<ReceivedEvent> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no event within {timeout}");
        }
    }

    /// <summary>Every event until <paramref name="isLast"/> matches one (included), heartbeats left out.</summary>
    public async Task<List<ReceivedEvent>> UntilAsync(Func<ReceivedEvent, bool> isLast, TimeSpan timeout)
    {
        var received = new List<ReceivedEvent>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var next = await NextAsync(deadline - DateTime.UtcNow);
            if (next.Type != "heartbeat")
            {
                received.Add(next);
            }

            if (isLast(next))
            {
                return received;
            }
        }
    }

    /// <summary>Every event (heartbeats left out) that arrives until none has for <paramref name="quiet"/>.</summary>
    public async Task<List<ReceivedEvent>> DrainAsync(TimeSpan quiet)
    {
        var received = new List<ReceivedEvent>();
        while (true)
        {
            try
            {
                var next = await NextAsync(quiet);
                if (next.Type != "heartbeat")
                {
                    received.Add(next);
                }
            }
            catch (TimeoutException)
            {
                return received;
            }
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(_stop.Token))
            {
                if (item.EventId is { Length: > 0 } id)
                {
                    LastEventId = id;
                }

                await _events.Writer.WriteAsync(new ReceivedEvent(item.EventType, item.EventId, item.Data));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }
}
