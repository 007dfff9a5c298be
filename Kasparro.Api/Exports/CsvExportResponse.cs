using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kasparro.Api.Exports;

/// <summary>Marks an endpoint whose 200 response can also be <see cref="CsvExport"/>'s text/csv.</summary>
public sealed class CsvExportMetadata;

/// <summary>
/// Adds text/csv beside application/json to the 200 response of the exporting operations. A second produces-200
/// metadata would replace the JSON one in the document rather than join it, hence a transformer.
/// </summary>
public sealed class CsvExportResponse : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<CsvExportMetadata>().Any()
            || operation.Responses?.TryGetValue("200", out var ok) != true || ok is not OpenApiResponse response)
        {
            return Task.CompletedTask;
        }

        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        response.Content[CsvExport.MediaType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        return Task.CompletedTask;
    }
}
