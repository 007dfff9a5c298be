using System.IO.Compression;
using System.Reflection;
using Kasparro.Contracts;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Kasparro.Api.History;

/// <summary>
/// Sends a <see cref="HistoryDocument"/> (or a <see cref="HistoryRawCut"/>): gzip-compressed to clients that accept gzip (browsers, the dashboard),
/// plain JSON to the others. Declares <see cref="AssetHistory"/> as the 200 response, so the OpenAPI document is
/// the one the serializer's result would give (and <see cref="HistoryDocumentResponse"/> adds the columns layout).
/// </summary>
public sealed class HistoryDocumentResult : IResult, IEndpointMetadataProvider
{
    private const string Gzip = "gzip";
    private readonly Func<HttpContext, Task> _send;

    /// <summary>Sends a rendered (or cached) document.</summary>
    public HistoryDocumentResult(HistoryDocument document) => _send = httpContext => SendAsync(document, httpContext);

    /// <summary>Sends a raw range cut from the cached days it covers.</summary>
    public HistoryDocumentResult(HistoryRawCut cut) => _send = cut.SendAsync;

    public Task ExecuteAsync(HttpContext httpContext) => _send(httpContext);

    /// <summary>Sends <paramref name="document"/>: its gzip bytes to a client that accepts gzip, its JSON to the others.</summary>
    public static async Task SendAsync(HistoryDocument document, HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (document.Gzip is { } gzip && AcceptsGzip(httpContext.Request))
        {
            response.Headers.ContentEncoding = Gzip;
            response.ContentLength = gzip.Length;
            await response.Body.WriteAsync(gzip, cancellationToken);
            return;
        }

        response.ContentLength = document.JsonLength;
        if (document.Json is { } json)
        {
            await response.Body.WriteAsync(json, cancellationToken);
            return;
        }

        // A cached document keeps only its compressed form: inflating it is far cheaper than
        // rendering it again.
        await using var inflated = new GZipStream(new MemoryStream(document.Gzip!), CompressionMode.Decompress);
        await inflated.CopyToAsync(response.Body, cancellationToken);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AssetHistory), ["application/json"]));
        builder.Metadata.Add(new HistoryDocumentMetadata());
    }

    /// <summary>Whether Accept-Encoding allows gzip: named with a quality above 0, or <c>*</c> when gzip is not refused by name.</summary>
    public static bool AcceptsGzip(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        double? gzip = null, any = null;
        foreach (var coding in accepted)
        {
            var quality = coding.Quality ?? 1;
            if (coding.Value.Equals(Gzip, StringComparison.OrdinalIgnoreCase))
            {
                gzip = quality;
            }
            else if (coding.Value.Equals("*", StringComparison.Ordinal))
            {
                any = quality;
            }
        }

        return (gzip ?? any ?? 0) > 0;
    }
}
