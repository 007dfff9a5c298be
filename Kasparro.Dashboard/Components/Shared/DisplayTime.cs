using System.Globalization;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>
/// How the dashboard shows times: in UTC (the default) or in the browser's local time zone, as the Aspire dashboard
/// offers. The layout cascades the current choice; <see cref="DisplayFormat.Time"/> and the charts apply it.
/// </summary>
public sealed record DisplayTime(bool IsLocal, TimeZoneInfo Zone)
{
    public static readonly DisplayTime Utc = new(false, TimeZoneInfo.Utc);

    /// <summary>Local time in the browser's zone (an IANA id such as Europe/Berlin), or its current UTC offset when the id is unknown here.</summary>
    public static DisplayTime Local(string? zoneId, int offsetMinutes)
    {
        if (zoneId is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
        {
            return new DisplayTime(true, zone);
        }

        var offset = TimeSpan.FromMinutes(offsetMinutes);
        return new DisplayTime(true, TimeZoneInfo.CreateCustomTimeZone($"UTC{Offset(offset)}", offset, $"UTC{Offset(offset)}", $"UTC{Offset(offset)}"));
    }

    /// <summary>The instant as the wall-clock time to show.</summary>
    public DateTime WallClock(DateTimeOffset value) => IsLocal ? TimeZoneInfo.ConvertTime(value, Zone).DateTime : value.UtcDateTime;

    /// <summary>A shown wall-clock time back to the instant (a chart zoom's range).</summary>
    public DateTimeOffset Instant(DateTime wallClock)
    {
        if (!IsLocal)
        {
            return new DateTimeOffset(DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified), TimeSpan.Zero);
        }

        var unspecified = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, Zone.GetUtcOffset(unspecified)).ToUniversalTime();
    }

    /// <summary>What a time is in: "UTC", or the offset it has at that instant ("UTC+01:00").</summary>
    public string Suffix(DateTimeOffset value) => IsLocal ? "UTC" + Offset(Zone.GetUtcOffset(value)) : "UTC";

    /// <summary>The axis or column label: "UTC" or "local time (Europe/Berlin)".</summary>
    public string Label => IsLocal ? $"local time ({Zone.Id})" : "UTC";

    private static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}

/// <summary>What <c>js/display-time.js</c> reports: the stored choice ("utc", "local" or none) and the browser's time zone.</summary>
public sealed record BrowserTime(string? Choice, string? Zone, int OffsetMinutes);
