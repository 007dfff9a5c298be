using System.Reflection;
using Kasparro.Contracts;
using Microsoft.AspNetCore.Http.Metadata;

namespace Kasparro.Api.History;

/// <summary>
/// Sends a rendered <c>GET /assets/{id}/candles</c> response as <see cref="HistoryDocumentResult"/> sends the history's
/// (gzip to clients that accept it); declares <see cref="AssetCandles"/> as the 200 response, as the serializer's
/// result did before candles were cached.
/// </summary>
public sealed class CandlesDocumentResult(HistoryDocument document) : IResult, IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext) => HistoryDocumentResult.SendAsync(document, httpContext);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AssetCandles), ["application/json"]));
}
