using System.Globalization;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>
/// The time window of the Prices and Compare pages as it appears in the URL (<c>?range=30d</c>, or
/// <c>?range=custom&amp;from=2025-03-01&amp;to=2025-03-15</c>, or a zoomed window to the second:
/// <c>?range=custom&amp;from=2025-03-01T08:00:00Z&amp;to=2025-03-01T14:30:00Z</c>), turned into the from/to of <c>/assets/{id}/history</c>.
/// </summary>
public sealed record PriceRange(string Key, DateTimeOffset From, DateTimeOffset To, string? Problem = null)
{
    public const string Default = "7d";
    public const string Custom = "custom";

    /// <summary>The presets offered as buttons, with their labels.</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> Presets =
        [("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days"), ("1y", "1 year")];

    /// <summary>Reads the URL's values; anything unreadable falls back to the default with a <see cref="Problem"/> to show.</summary>
    public static PriceRange Parse(string? range, string? from, string? to, DateTimeOffset now)
    {
        var key = string.IsNullOrWhiteSpace(range) ? Default : range.Trim().ToLowerInvariant();
        TimeSpan? span = key switch
        {
            "24h" => TimeSpan.FromHours(24),
            "7d" => TimeSpan.FromDays(7),
            "30d" => TimeSpan.FromDays(30),
            "1y" => TimeSpan.FromDays(365),
            _ => null,
        };
        if (span is { } preset)
        {
            return new PriceRange(key, now - preset, now);
        }

        if (key == Custom)
        {
            if (TryInstant(from, out var zoomFrom) && TryInstant(to, out var zoomTo) && zoomFrom < zoomTo)
            {
                // A zoomed window is exact, to the second.
                return new PriceRange(Custom, zoomFrom, zoomTo);
            }

            if (TryDate(from, out var start) && TryDate(to, out var end) && start <= end)
            {
                // The "to" day is included: the window ends at the next midnight (or now, when that is earlier).
                var exclusiveEnd = end.AddDays(1);
                return new PriceRange(Custom, start, exclusiveEnd < now ? exclusiveEnd : now);
            }

            return Fallback(now, "A custom range needs a from and a to date (yyyy-MM-dd), from not after to. Showing 7 days.");
        }

        return Fallback(now, $"“{range}” is not a range this page knows (24h, 7d, 30d, 1y, custom). Showing 7 days.");
    }

    private static PriceRange Fallback(DateTimeOffset now, string problem) => new(Default, now - TimeSpan.FromDays(7), now, problem);

    private static bool TryDate(string? text, out DateTimeOffset date)
    {
        var ok = DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day);
        date = ok ? new DateTimeOffset(day.Date, TimeSpan.Zero) : default;
        return ok;
    }

    private static bool TryInstant(string? text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParseExact(text, InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);

    private const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>The URL query of a zoomed window (<c>range=custom</c> with from/to to the second).</summary>
    public static IReadOnlyDictionary<string, object?> ZoomQuery(ChartWindow window) => new Dictionary<string, object?>
    {
        ["range"] = Custom,
        ["from"] = window.From.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture),
        ["to"] = window.To.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture),
    };

    /// <summary>The window a chart shows for this range: a custom range exactly; a preset lets plotly fit the data.</summary>
    public ChartWindow? Window => Key == Custom ? new ChartWindow(From, To) : null;

    public static string DateText(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
