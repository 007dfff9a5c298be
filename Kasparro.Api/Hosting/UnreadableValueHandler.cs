using Microsoft.AspNetCore.Diagnostics;

namespace Kasparro.Api.Hosting;

/// <summary>
/// Answers a request that failed because a stored number does not fit a decimal (written past the fits-decimal
/// constraints, e.g. before migration DecimalFitChecks or with them dropped) with a 502 problem that says so, not a 500.
/// The API is a gateway to its database here: the database answered with a value outside the API's contract, and an
/// operator has to correct it. Handled once per failed request, so the readers' loops pay nothing for it.
/// </summary>
public sealed class UnreadableValueHandler(IProblemDetailsService problems, ILogger<UnreadableValueHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnreadableNumeric(exception) || context.Response.HasStarted)
        {
            return false;
        }

        logger.LogError(exception, "A stored number does not fit a decimal, for {Path}; find it with WHERE NOT fits_dotnet_decimal(column)", context.Request.Path.Value);
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status502BadGateway,
                Title = "The database holds a number the API cannot represent",
                Detail = "A stored value is outside what a decimal holds (at most 28 fractional digits and 79228162514264337593543950335 without the point), or is NaN or infinity. An operator has to correct it.",
            },
        });
    }

    /// <summary>
    /// Npgsql's numeric-to-decimal conversion throws OverflowException (too large, too many fractional digits, infinity),
    /// InvalidCastException (NaN) or, for a few values just past the limit, IndexOutOfRangeException; the conversion's
    /// frames tell these apart from the same exception types thrown by our own code. EF Core may wrap it.
    /// </summary>
    private static bool IsUnreadableNumeric(Exception exception)
    {
        for (var e = (Exception?)exception; e is not null; e = e.InnerException)
        {
            if (e is OverflowException or InvalidCastException or IndexOutOfRangeException
                && e.StackTrace?.Contains("Npgsql.Internal.Converters.PgNumeric", StringComparison.Ordinal) == true)
            {
                return true;
            }
        }

        return false;
    }
}
