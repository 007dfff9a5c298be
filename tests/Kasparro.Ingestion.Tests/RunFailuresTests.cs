using Kasparro.Ingestion.Operations;
using Kasparro.Ingestion.Pipeline;
using Kasparro.Ingestion.Upstream;
using Npgsql;
using Polly.Timeout;

namespace Kasparro.Ingestion.Tests;

/// <summary>How every run, snapshot or backfill, words the exception that ended it (no database needed).</summary>
public sealed class RunFailuresTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(30);

    [Fact]
    public void A_per_attempt_timeout_names_the_attempt_timeout_not_the_run_timeout()
    {
        var error = RunFailures.Describe(new TimeoutRejectedException(TimeSpan.FromSeconds(5)), "coingecko-history", RunTimeout);

        Assert.Equal("coingecko-history did not answer within 00:00:05 (Etl:AttemptTimeout) after every retry", error);
    }

    [Fact]
    public void The_run_timeout_is_worded_as_the_run_timeout()
    {
        Assert.Equal("the run did not finish within Etl:RunTimeout (00:30:00)",
            RunFailures.Describe(new TimeoutRejectedException(RunTimeout), "coingecko", RunTimeout));
        Assert.Equal("the run did not finish within Etl:RunTimeout (00:30:00)",
            RunFailures.Describe(new OperationCanceledException(), "coingecko", RunTimeout));
    }

    [Fact]
    public void Connection_and_database_failures_carry_their_causes()
    {
        var connection = new HttpRequestException("Error while copying content to a stream.", new IOException("The response ended prematurely."));
        var database = new NpgsqlException("Exception while reading from stream", new EndOfStreamException("Attempted to read past the end of the stream."));

        Assert.Equal("coinpaprika upstream connection failed after every retry: Error while copying content to a stream: The response ended prematurely",
            RunFailures.Describe(connection, "coinpaprika", RunTimeout));
        Assert.Equal("database error: Exception while reading from stream: Attempted to read past the end of the stream",
            RunFailures.Describe(database, "csv", RunTimeout));
    }

    [Fact]
    public void Reasons_already_worded_for_operators_are_kept_as_they_are()
    {
        Assert.Equal("429 from CoinGecko: Retry-After 60 s exceeds Etl:MaxRetryAfter",
            RunFailures.Describe(new UpstreamException("429 from CoinGecko: Retry-After 60 s exceeds Etl:MaxRetryAfter"), "coingecko", RunTimeout));
        Assert.Equal("paused: breaking drift", RunFailures.Describe(new SourcePausedException("paused: breaking drift"), "csv", RunTimeout));
        Assert.Equal("something else", RunFailures.Describe(new InvalidOperationException("something else"), "csv", RunTimeout));
    }
}
