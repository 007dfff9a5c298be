using System.Buffers;
using System.IO.Compression;
using Microsoft.Net.Http.Headers;

namespace Kasparro.Api.History;

/// <summary>
/// A raw history response cut from a <see cref="HistoryRawWindow"/>: its JSON as parts (the few bytes written for the
/// request and the window's runs of points, shared with every other request), sent without being copied into one
/// document. A week of points is ~120 KB: a document a request would be a large-object-heap allocation each time, and
/// under load the API would spend its time in gen2 collections.
/// </summary>
public sealed class HistoryRawCut(IReadOnlyList<ReadOnlyMemory<byte>> parts)
{
    /// <summary>Length of the JSON.</summary>
    public int Length { get; } = parts.Sum(part => part.Length);

    /// <summary>
    /// Sends the JSON as <see cref="HistoryDocumentResult"/> sends a document: with its length, gzip-compressed to a
    /// client that accepts gzip. It is compressed for this request only, so at the fastest level: zlib's level 6 would
    /// cost several times the CPU for a few percent fewer bytes.
    /// </summary>
    public async Task SendAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (!HistoryDocumentResult.AcceptsGzip(httpContext.Request))
        {
            response.ContentLength = Length;
            foreach (var part in parts)
            {
                response.BodyWriter.Write(part.Span);
            }

            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
            return;
        }

        // Deflate never grows its input by more than a few bytes per 16 KB block; the margin covers that and gzip's framing.
        var compressed = ArrayPool<byte>.Shared.Rent(Length + Length / 8 + 1024);
        try
        {
            using var output = new MemoryStream(compressed, 0, compressed.Length, writable: true);
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                foreach (var part in parts)
                {
                    gzip.Write(part.Span);
                }
            }

            response.Headers.ContentEncoding = "gzip";
            response.ContentLength = output.Position;
            await response.Body.WriteAsync(compressed.AsMemory(0, (int)output.Position), httpContext.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }
}
