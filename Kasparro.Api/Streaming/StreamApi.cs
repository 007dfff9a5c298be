using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Kasparro.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Kasparro.Api.Streaming;

/// <summary><c>GET /stream</c>: prices and runs as they commit, as Server-Sent Events.</summary>
public static class StreamApi
{
    /// <summary>The event kinds a client can ask for in <c>events</c>.</summary>
    public static readonly string[] Kinds = [StreamEvent.Price, StreamEvent.Run];

    /// <summary>The most asset ids one stream may filter on.</summary>
    public const int MaxAssetFilters = 100;

    /// <summary>How long a browser waits before reconnecting (the SSE <c>retry</c> field).</summary>
    public static readonly TimeSpan ReconnectAfter = TimeSpan.FromSeconds(2);

    private const string Description = """
        A Server-Sent Events stream (text/event-stream) of what commits to the database:
        `event: price` — one per latest record inserted or changed (values or observed time), data = the record exactly as in `GET /data`;
        `event: run` — a run started, counted a batch or finished, data = the run exactly as in `GET /runs`;
        `event: heartbeat` — on connect and every 15 s, data = `{"time": ...}`;
        `event: reset` — the Last-Event-ID names a change the log no longer keeps (`Stream:LogRetention`) or never had: re-read `/data` and `/runs`, the stream goes on live;
        `event: overflow` — the client read too slowly and is disconnected.
        Every price and run event has an `id:` (`{sequence}.{position}`); reconnect with the `Last-Event-ID` header (or `last_event_id`)
        to get exactly what was missed. `asset_id` filters price events only.
        """;

    public static IEndpointRouteBuilder MapStreamApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/stream", StreamAsync)
            .WithName("Stream")
            .WithSummary("Live prices and runs as Server-Sent Events")
            .WithDescription(Description)
            .WithTags("Stream")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            // An open stream is not a slow request.
            .DisableRequestTimeout();
        return routes;
    }

    public static async Task<Results<ServerSentEventsResult<string>, ValidationProblem, ProblemHttpResult>> StreamAsync(
        HttpContext context,
        ChangeFeed feed,
        ChangeReader reader,
        StreamConnectionLimits limits,
        [FromQuery(Name = "asset_id")] string[]? assetId,
        [FromQuery] string? source,
        [FromQuery] string? events,
        [FromQuery(Name = "last_event_id")] string? lastEventIdQuery,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventIdHeader,
        CancellationToken cancellationToken)
    {
        var query = new Endpoints.QueryValidator();
        var sourceFilter = query.OneOf(source, "source", SourceNames.Snapshot.ToArray());
        var assets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in assetId ?? [])
        {
            if (query.Text(id, "asset_id") is { } valid)
            {
                assets.Add(valid);
            }
        }

        if (assets.Count > MaxAssetFilters)
        {
            query.Fail("asset_id", $"at most {MaxAssetFilters} assets per stream");
        }

        var kinds = events is null ? Kinds : events.Split(',', StringSplitOptions.TrimEntries);
        if (kinds.Length == 0 || kinds.Any(k => !Kinds.Contains(k, StringComparer.Ordinal)))
        {
            query.Fail("events", $"must be a comma-separated list of: {string.Join(", ", Kinds)}");
        }

        StreamPosition? resumeFrom = null;
        var lastEventId = lastEventIdHeader ?? lastEventIdQuery;
        if (lastEventId is not null)
        {
            if (StreamPosition.TryParse(lastEventId, out var position))
            {
                resumeFrom = position;
            }
            else
            {
                query.Fail("last_event_id", "must be an event id this stream sent ({sequence}.{position})");
            }
        }

        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var (leases, refusedWith) = limits.TryOpen(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (leases is null)
        {
            return refusedWith == StatusCodes.Status429TooManyRequests
                ? TypedResults.Problem("Too many open streams from this client; close one first.", statusCode: refusedWith, title: "Too many streams")
                : TypedResults.Problem("The server holds as many streams as it may; retry later.", statusCode: refusedWith, title: "Streams full");
        }

        context.Response.RegisterForDispose(leases);
        // Looked up before the stream starts, so a database that is away answers 503 like every endpoint. A change
        // the log no longer has (trimmed, or from another database) cannot say what came after it: reset.
        ChangeCursor? resumeAt = null;
        if (resumeFrom is { } from)
        {
            resumeAt = await reader.FindAsync(from.Sequence, cancellationToken);
        }

        var reset = resumeFrom is not null && resumeAt is null;

        var filter = new StreamFilter(kinds.Contains(StreamEvent.Price), kinds.Contains(StreamEvent.Run), sourceFilter, assets.Count == 0 ? null : assets);
        var subscription = feed.Subscribe(filter);
        context.Response.RegisterForDispose(subscription);
        subscription.OnStuckAfterOverflow(context.Abort);
        return TypedResults.ServerSentEvents(EventsAsync(subscription, reader, resumeAt is { } at ? (at, resumeFrom!.Value.Position) : null, reset, context.RequestAborted));
    }

    /// <summary>
    /// A client's events: a first heartbeat, a reset when its Last-Event-ID is too old, what it missed (read from the
    /// log, after subscribing, so nothing falls between), then the live changes not already sent.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> EventsAsync(
        StreamSubscription subscription, ChangeReader reader, (ChangeCursor At, int Position)? resumeFrom, bool reset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var hello = ChangeFeed.Heartbeat(DateTimeOffset.UtcNow).Events[0];
        yield return new SseItem<string>(hello.Data, hello.Type) { ReconnectionInterval = ReconnectAfter };
        if (reset)
        {
            yield return new SseItem<string>("""{"reason":"the change log no longer has the Last-Event-ID; re-read /data and /runs"}""", StreamEvent.Reset);
        }

        var sentThrough = ChangeCursor.Start;
        if (resumeFrom is { } from)
        {
            var whole = from.Position == StreamPosition.WholeChange;
            // A change cut off in the middle is read again (from just before it) and its sent events skipped.
            sentThrough = whole ? from.At : from.At with { Id = from.At.Id - 1 };
            while (!subscription.Overflowed)
            {
                var changes = await reader.ReadAfterAsync(sentThrough, cancellationToken);
                if (changes.Count == 0)
                {
                    break;
                }

                foreach (var change in changes)
                {
                    var skipThrough = !whole && change.Sequence == from.At.Id ? from.Position : 0;
                    foreach (var item in ItemsOf(change, subscription.Filter, skipThrough))
                    {
                        yield return item;
                    }

                    sentThrough = change.Cursor;
                }
            }
        }

        await foreach (var change in subscription.Pending.ReadAllAsync(cancellationToken))
        {
            if (subscription.Overflowed)
            {
                break;
            }

            if (!change.IsHeartbeat && change.Cursor <= sentThrough)
            {
                continue;
            }

            foreach (var item in ItemsOf(change, subscription.Filter, 0))
            {
                yield return item;
            }

            if (change.Cursor > sentThrough)
            {
                sentThrough = change.Cursor;
            }
        }

        if (subscription.Overflowed)
        {
            yield return new SseItem<string>("""{"reason":"the client read too slowly; reconnect with the last event id"}""", StreamEvent.Overflow);
        }
    }

    private static IEnumerable<SseItem<string>> ItemsOf(StreamChange change, StreamFilter filter, int skipThrough)
    {
        if (!filter.Wants(change))
        {
            yield break;
        }

        foreach (var streamEvent in change.Events)
        {
            if (streamEvent.Position > skipThrough && filter.Selects(streamEvent))
            {
                yield return new SseItem<string>(streamEvent.Data, streamEvent.Type) { EventId = streamEvent.Id };
            }
        }
    }
}
