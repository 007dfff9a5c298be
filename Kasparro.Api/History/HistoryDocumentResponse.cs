using Kasparro.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kasparro.Api.History;

/// <summary>Marks an endpoint answered by <see cref="HistoryDocumentResult"/>, whose JSON is one of two layouts.</summary>
public sealed class HistoryDocumentMetadata;

/// <summary>
/// Makes the JSON 200 response of the history <c>oneOf</c> its two layouts: <see cref="AssetHistory"/> (the default)
/// and <see cref="AssetHistoryColumns"/> (<c>format=columns</c>), the latter as its own component schema. A produces
/// metadata takes one type only, hence a transformer.
/// </summary>
public sealed class HistoryDocumentResponse : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<HistoryDocumentMetadata>().Any()
            || operation.Responses?.TryGetValue("200", out var ok) != true || ok is not OpenApiResponse { Content: { } content }
            || !content.TryGetValue("application/json", out var json) || json is not OpenApiMediaType { Schema: { } points }
            || context.Document is not { } document)
        {
            return;
        }

        var name = nameof(AssetHistoryColumns);
        var columns = await context.GetOrCreateSchemaAsync(typeof(AssetHistoryColumns), cancellationToken: cancellationToken);
        document.AddComponent<IOpenApiSchema>(name, columns);
        ((OpenApiMediaType)json).Schema = new OpenApiSchema { OneOf = [points, new OpenApiSchemaReference(name, document)] };
    }
}
