using Kasparro.Contracts;

namespace Kasparro.Api.History;

/// <summary>
/// The gap rule of <c>GET /assets/{id}/gaps</c>: a source's expected interval is the median spacing of its consecutive
/// points in the range (at least <see cref="MinimumInterval"/>); a gap is two consecutive points at least 1.5 expected
/// intervals apart, i.e. their spacing rounds to two or more intervals, so at least one expected point is missing between them.
/// </summary>
public static class HistoryGaps
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(1);

    public static string Rule { get; } =
        "a gap is two consecutive points of one source at least 1.5x the source's expected interval apart; the expected interval is " +
        $"the median spacing of that source's consecutive points in the range, at least {MinimumInterval.TotalSeconds:0} seconds; " +
        "missing_estimate = round(spacing / expected interval) - 1";

    /// <summary>The cadence and gaps of one source's points (ascending, distinct).</summary>
    public static (SeriesCadence Cadence, List<HistoryGap> Gaps) Find(string source, IReadOnlyList<DateTime> points)
    {
        var gaps = new List<HistoryGap>();
        if (points.Count < 2)
        {
            return (new SeriesCadence(source, points.Count, null), gaps);
        }

        var spacings = new long[points.Count - 1];
        for (var i = 1; i < points.Count; i++)
        {
            spacings[i - 1] = (points[i] - points[i - 1]).Ticks;
        }

        var sorted = spacings.Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        var expected = TimeSpan.FromTicks(Math.Max(median, MinimumInterval.Ticks));
        for (var i = 0; i < spacings.Length; i++)
        {
            var missing = (long)Math.Round(spacings[i] / (double)expected.Ticks, MidpointRounding.AwayFromZero) - 1;
            if (missing >= 1)
            {
                gaps.Add(new HistoryGap(source, points[i], points[i + 1], missing));
            }
        }

        return (new SeriesCadence(source, points.Count, expected.TotalSeconds), gaps);
    }
}
