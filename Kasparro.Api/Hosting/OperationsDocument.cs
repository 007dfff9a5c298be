using Kasparro.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kasparro.Api.Hosting;

/// <summary>
/// Describes <c>GET /health</c> in the OpenAPI document: ServiceDefaults maps it from the health checks and keeps it
/// out of the API description, but it is part of the original system's contract, so clients should see its body.
/// </summary>
public sealed class OperationsDocument : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(typeof(ServiceHealth), cancellationToken: cancellationToken);
        OpenApiResponse Response(string description) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };

        document.Paths ??= [];
        document.Paths["/health"] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "GetHealth",
                    Summary = "Readiness: whether the database answers, and the last ETL run",
                    Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = Response("The database answers."),
                        ["503"] = Response("The database does not answer: status unavailable, database disconnected."),
                    },
                },
            },
        };
    }
}
