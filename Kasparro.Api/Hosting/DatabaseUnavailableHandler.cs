using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Kasparro.Api.Hosting;

/// <summary>Answers a request that failed because PostgreSQL is unreachable with a 503 problem, not a 500.</summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDatabaseUnavailable(exception) || context.Response.HasStarted)
        {
            return false;
        }

        logger.LogWarning("Database unavailable for {Path}: {Reason}", context.Request.Path.Value, exception.GetBaseException().Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "The database is unavailable", Detail = "Try again shortly." },
        });
    }

    private static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = (Exception?)exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } or TimeoutException || e is NpgsqlException && e.InnerException is System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
