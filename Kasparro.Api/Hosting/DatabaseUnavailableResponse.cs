using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kasparro.Api.Hosting;

/// <summary>
/// Every operation reads the database, so each can answer the 503 problem of <see cref="DatabaseUnavailableHandler"/>:
/// the OpenAPI document says so here, once, rather than on every endpoint (where a new one could forget it).
/// </summary>
public sealed class DatabaseUnavailableResponse : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Responses ??= [];
        if (operation.Responses.ContainsKey("503"))
        {
            return;
        }

        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: cancellationToken);
        operation.Responses["503"] = new OpenApiResponse
        {
            Description = "The database is unavailable: a problem saying so, with Retry-After.",
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
        };
    }
}
