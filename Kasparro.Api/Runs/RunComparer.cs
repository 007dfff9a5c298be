using System.Globalization;
using Kasparro.Contracts;
using Kasparro.Data.Entities;

namespace Kasparro.Api.Runs;

/// <summary>Puts two runs side by side and flags what an operator should look at in run b.</summary>
public static class RunComparer
{
    /// <summary>Run b fetched this share fewer records than run a, or more: <c>record_drop</c>.</summary>
    private const double RecordDropShare = 0.30;
    /// <summary>Quarantined records must grow by at least this many (and double) to be a spike, so 0 -> 1 is not one.</summary>
    private const int QuarantineSpikeMinimum = 5;

    public static RunComparison Compare(RunItem a, RunItem b, IReadOnlyList<string> driftFirstSeenInB)
    {
        var differences = new RunDifferences(
            Numeric(a.Fetched, b.Fetched),
            Numeric(a.Inserted, b.Inserted),
            Numeric(a.Updated, b.Updated),
            Numeric(a.Unchanged, b.Unchanged),
            Numeric(a.Quarantined, b.Quarantined),
            Numeric(a.DurationMs, b.DurationMs),
            new TextDifference(a.Status, b.Status),
            new TextDifference(a.ErrorMessage, b.ErrorMessage));
        return new RunComparison(a, b, differences, Anomalies(a, b, driftFirstSeenInB));
    }

    private static List<RunAnomaly> Anomalies(RunItem a, RunItem b, IReadOnlyList<string> driftFirstSeenInB)
    {
        var anomalies = new List<RunAnomaly>();
        if (a.Fetched > 0 && b.Fetched <= a.Fetched * (1 - RecordDropShare))
        {
            var drop = (a.Fetched - b.Fetched) * 100.0 / a.Fetched;
            anomalies.Add(new("record_drop", Invariant($"run {b.Id} fetched {drop:0.#}% fewer records than run {a.Id}")));
        }

        if (a.DurationMs is > 0 && b.DurationMs is { } slow && slow >= 2 * a.DurationMs.Value)
        {
            anomalies.Add(new("slow_run", Invariant($"run {b.Id} took {slow / (double)a.DurationMs.Value:0.#}x as long as run {a.Id}")));
        }

        if (a.DurationMs is > 0 && b.DurationMs is { } fast && fast * 3 < a.DurationMs.Value && b.Fetched >= a.Fetched && a.Fetched > 0)
        {
            anomalies.Add(new("suspiciously_fast", Invariant($"run {b.Id} fetched as many records as run {a.Id} in under a third of the time ({fast} ms vs {a.DurationMs} ms)")));
        }

        if (driftFirstSeenInB.Count > 0)
        {
            anomalies.Add(new("new_drift", $"run {b.Id} saw new schema drift: {string.Join(", ", driftFirstSeenInB)}"));
        }

        if (a.Status == EtlRunStatus.Success && b.Status is EtlRunStatus.Partial or EtlRunStatus.Failed)
        {
            anomalies.Add(new("status_regression", $"run {a.Id} succeeded but run {b.Id} is {b.Status}"));
        }

        if (b.Quarantined >= 2 * a.Quarantined && b.Quarantined - a.Quarantined >= QuarantineSpikeMinimum)
        {
            anomalies.Add(new("quarantine_spike", Invariant($"run {b.Id} quarantined {b.Quarantined} records, run {a.Id} {a.Quarantined}")));
        }

        return anomalies;
    }

    private static NumericDifference Numeric(long? a, long? b)
    {
        var delta = b - a;
        double? percent = a is > 0 && delta is not null ? Math.Round(delta.Value * 100.0 / a.Value, 2) : null;
        return new NumericDifference(a, b, delta, percent);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
