using Kasparro.Ingestion.Operations;
using Kasparro.Ingestion.Upstream;
using Npgsql;

namespace Kasparro.Ingestion.Pipeline;

/// <summary>How a run's <c>error_message</c> words the exception that ended it: the reason an operator can act on.</summary>
public static class RunFailures
{
    /// <summary>The error of a run stopped because the service is shutting down.</summary>
    public const string Cancelled = "cancelled: the service is shutting down";

    /// <summary>Describes why the run of <paramref name="source"/> failed; <paramref name="runTimeout"/> is <c>Etl:RunTimeout</c>.</summary>
    public static string Describe(Exception ex, string source, TimeSpan runTimeout) => ex switch
    {
        UpstreamException upstream => upstream.Message,
        SourcePausedException paused => paused.Message,
        // The per-attempt timeout and the run timeout are both Polly timeouts; only the run's is the run's fault.
        Polly.Timeout.TimeoutRejectedException attempt when attempt.Timeout != runTimeout =>
            $"{source} did not answer within {attempt.Timeout} (Etl:AttemptTimeout) after every retry",
        OperationCanceledException or Polly.Timeout.TimeoutRejectedException => $"the run did not finish within Etl:RunTimeout ({runTimeout})",
        FileNotFoundException file => file.Message,
        HttpRequestException or IOException => $"{source} upstream connection failed after every retry: {Messages(ex)}",
        NpgsqlException => $"database error: {Messages(ex)}",
        _ => ex.Message,
    };

    /// <summary>The exception's message and its causes' ("Error while copying content" says little without "response ended prematurely").</summary>
    private static string Messages(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message.TrimEnd('.'));
        }

        return string.Join(": ", messages.Distinct());
    }
}
