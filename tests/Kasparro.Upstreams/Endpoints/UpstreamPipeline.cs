using Kasparro.Upstreams.Faults;

namespace Kasparro.Upstreams.Endpoints;

/// <summary>What every upstream request goes through, in the order a real edge applies it: user-agent
/// check, key check, rate limit, injected fault, then the rendered body delivered (possibly badly).</summary>
internal static class UpstreamPipeline
{
    public static async Task RunAsync(HttpContext context, UpstreamState state, UpstreamRoute route, UpstreamPlan plan, Func<UpstreamReply> render)
    {
        var api = route.Api();
        var request = context.Request;
        if (state.Options.RequireUserAgent && string.IsNullOrWhiteSpace(request.Headers.UserAgent))
        {
            await WriteAsync(context, UpstreamErrors.Html(StatusCodes.Status403Forbidden, request.Host.Host, "Access denied"));
            return;
        }

        if (KeyCheck.Refusal(request, plan, state.Options) is { } refusal)
        {
            await WriteAsync(context, refusal);
            return;
        }

        if (state.TryAcquire(api) is { } wait)
        {
            await WriteAsync(context, UpstreamErrors.TooManyRequests(api, wait));
            return;
        }

        var fault = state.Faults.Take(route);
        if (fault is { ReplacesResponse: true })
        {
            await WriteAsync(context, FaultReply(fault, api, request.Host.Host));
            return;
        }

        var reply = render();
        await DeliverAsync(context, reply, fault);
    }

    private static UpstreamReply FaultReply(Fault fault, UpstreamApi api, string host) => fault.Kind switch
    {
        FaultKind.TooManyRequests => UpstreamErrors.TooManyRequests(api, fault.RetryAfter),
        FaultKind.PaymentRequired => UpstreamErrors.For(api, StatusCodes.Status402PaymentRequired, 402,
            "Payment Required: monthly request limit reached, upgrade your plan"),
        FaultKind.Unauthorized => UpstreamErrors.For(api, StatusCodes.Status401Unauthorized, 10002, "Invalid API Key"),
        FaultKind.InternalServerError => UpstreamErrors.For(api, StatusCodes.Status500InternalServerError, 500, "Internal Server Error"),
        FaultKind.ServiceUnavailable => UpstreamErrors.For(api, StatusCodes.Status503ServiceUnavailable, 503, "Service Unavailable"),
        FaultKind.ObjectInsteadOfArray => api == UpstreamApi.CoinGecko
            ? UpstreamErrors.Gecko(StatusCodes.Status200OK, 1015, "Throttled")
            : UpstreamErrors.Paprika(StatusCodes.Status200OK, "temporarily unavailable"),
        FaultKind.HtmlErrorPage => UpstreamErrors.Html(fault.StatusCode, host, "Bad gateway"),
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "Not a response-replacing fault."),
    };

    private static async Task DeliverAsync(HttpContext context, UpstreamReply reply, Fault? fault)
    {
        // A hanging or trickling response must also end when the server stops, or disposal would wait for it.
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var aborted = linked.Token;
        switch (fault?.Kind)
        {
            case FaultKind.Hang:
                if (!await WaitAsync(fault.Delay ?? Timeout.InfiniteTimeSpan, aborted))
                {
                    context.Abort();
                    return;
                }

                await WriteAsync(context, reply);
                return;

            case FaultKind.MalformedJson:
                await WriteAsync(context, reply with { StatusCode = StatusCodes.Status200OK, Body = [.. reply.Body.AsSpan(0, reply.Body.Length / 2), .. "<EOF>"u8] });
                return;

            case FaultKind.TruncatedBody:
                // Content-Length announces the whole body; half arrives, then the connection closes.
                StartResponse(context, reply, reply.Body.Length);
                await context.Response.Body.WriteAsync(reply.Body.AsMemory(0, reply.Body.Length / 2), aborted);
                await context.Response.Body.FlushAsync(aborted);
                context.Abort();
                return;

            case FaultKind.AbortedMidStream:
                StartResponse(context, reply, contentLength: null);
                await context.Response.Body.WriteAsync(reply.Body.AsMemory(0, reply.Body.Length / 2), aborted);
                await context.Response.Body.FlushAsync(aborted);
                context.Abort();
                return;

            case FaultKind.SlowStream:
                StartResponse(context, reply, reply.Body.Length);
                for (var offset = 0; offset < reply.Body.Length; offset += fault.ChunkBytes)
                {
                    var count = Math.Min(fault.ChunkBytes, reply.Body.Length - offset);
                    await context.Response.Body.WriteAsync(reply.Body.AsMemory(offset, count), aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    if (!await WaitAsync(fault.Delay ?? TimeSpan.Zero, aborted))
                    {
                        return;
                    }
                }

                return;

            default:
                await WriteAsync(context, reply);
                return;
        }
    }

    private static async Task<bool> WaitAsync(TimeSpan delay, CancellationToken cancellation)
    {
        try
        {
            await Task.Delay(delay, cancellation);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void StartResponse(HttpContext context, UpstreamReply reply, int? contentLength)
    {
        var response = context.Response;
        response.StatusCode = reply.StatusCode;
        response.ContentType = reply.ContentType;
        response.ContentLength = contentLength;
        foreach (var (name, value) in reply.Headers)
        {
            response.Headers[name] = value;
        }
    }

    public static async Task WriteAsync(HttpContext context, UpstreamReply reply)
    {
        StartResponse(context, reply, reply.Body.Length);
        try
        {
            await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up; nothing to tell it.
        }
    }
}
