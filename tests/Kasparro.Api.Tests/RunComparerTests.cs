using Kasparro.Api.Contracts;
using Kasparro.Api.Endpoints;

namespace Kasparro.Api.Tests;

/// <summary>The anomaly rules of <c>GET /compare-runs</c> at their edges.</summary>
public sealed class RunComparerTests
{
    [Fact]
    public void Same_work_in_a_third_of_the_time_is_suspiciously_fast()
    {
        var kinds = Kinds(Run(1, fetched: 250, durationMs: 9000), Run(2, fetched: 250, durationMs: 2900));
        Assert.Equal(["suspiciously_fast"], kinds);
    }

    [Fact]
    public void Similar_runs_raise_nothing()
    {
        Assert.Empty(Kinds(Run(1, fetched: 250, durationMs: 5000), Run(2, fetched: 240, durationMs: 6000, quarantined: 4)));
    }

    [Fact]
    public void A_drop_just_under_thirty_percent_is_not_flagged_but_thirty_is()
    {
        Assert.Empty(Kinds(Run(1, fetched: 100), Run(2, fetched: 71)));
        Assert.Equal(["record_drop"], Kinds(Run(1, fetched: 100), Run(2, fetched: 70)));
    }

    [Fact]
    public void Percent_is_null_when_run_a_is_zero()
    {
        var comparison = RunComparer.Compare(Run(1, fetched: 0, durationMs: null), Run(2, fetched: 10), []);
        Assert.Null(comparison.Differences.Fetched.Percent);
        Assert.Equal(10, comparison.Differences.Fetched.Delta);
        Assert.Null(comparison.Differences.DurationMs.Delta);
    }

    private static List<string> Kinds(RunItem a, RunItem b) => RunComparer.Compare(a, b, []).Anomalies.Select(x => x.Kind).ToList();

    private static RunItem Run(long id, int fetched, long? durationMs = 5000, int quarantined = 0) =>
        new(id, "coingecko", "success", "schedule", null, DateTime.UnixEpoch, DateTime.UnixEpoch, durationMs,
            fetched, fetched - quarantined, 0, 0, quarantined, 1, 0, null, null);
}
