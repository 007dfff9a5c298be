namespace Kasparro.Api.Security;

/// <summary>Writes the 401 and 403 answers of the authentication handlers as problem details, like every other error.</summary>
public static class AccessProblems
{
    /// <summary>401 with a <c>WWW-Authenticate</c> challenge naming how to authenticate.</summary>
    public static Task UnauthorizedAsync(HttpContext context, string challenge, string detail) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", detail, challenge);

    /// <summary>403: the caller is known but may not do this.</summary>
    public static Task ForbiddenAsync(HttpContext context, string title, string detail) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, title, detail, null);

    private static async Task WriteAsync(HttpContext context, int status, string title, string detail, string? challenge)
    {
        context.Response.StatusCode = status;
        if (challenge is not null)
        {
            context.Response.Headers.WWWAuthenticate = challenge;
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
