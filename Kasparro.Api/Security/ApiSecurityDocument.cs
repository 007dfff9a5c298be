using Kasparro.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Kasparro.Api.Security;

/// <summary>
/// Declares the API's security schemes in the OpenAPI document (an API key header, the scheduler token, and bearer
/// tokens of signed-in users where an authority is configured) and on each
/// operation which of them it accepts: reads take a key (or nothing, when anonymous reading is on), acting operations
/// an operator key or the scheduler token. Scalar reads these to offer a field for the key.
/// </summary>
public sealed class ApiSecurityDocument(IOptions<ApiAccessOptions> access, IOptions<UserTokenOptions> userTokens, IHostEnvironment environment) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "An API key (kas_...), created with Kasparro.Api --create-key. Also accepted as 'Authorization: ApiKey <key>'.",
        };
        document.Components.SecuritySchemes[SchedulerTokenAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = SchedulerTokenOptions.HeaderName,
            Description = $"The shared scheduler token ({SchedulerTokenOptions.Setting}) of machine callers such as cron; acts as an operator.",
        };
        if (userTokens.Value.IsConfigured)
        {
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A signed-in user's access token from the configured identity provider (what the dashboard forwards).",
            };
        }

        return Task.CompletedTask;
    }

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }

        var document = context.Document;
        var acting = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == ApiPolicies.Operator);
        operation.Security = acting
            ? [Requirement(ApiKeyAuthenticationHandler.SchemeName, document), Requirement(SchedulerTokenAuthenticationHandler.SchemeName, document)]
            : [Requirement(ApiKeyAuthenticationHandler.SchemeName, document)];
        if (userTokens.Value.IsConfigured)
        {
            operation.Security.Add(Requirement(BearerScheme, document));
        }

        if (!acting && (access.Value.AllowAnonymousRead ?? environment.IsDevelopment()))
        {
            // An empty requirement: this deployment also answers reads without credentials.
            operation.Security.Add(new OpenApiSecurityRequirement());
        }

        operation.Responses ??= [];
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: cancellationToken);
        OpenApiResponse Problem(string description) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
        };
        operation.Responses.TryAdd("401", Problem("No credentials, or a key or token that is unknown, mistyped or revoked."));
        if (acting)
        {
            operation.Responses.TryAdd("403", Problem("The credentials are valid but not an operator's."));
        }
    }

    private const string BearerScheme = "Bearer";

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument? document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };
}
