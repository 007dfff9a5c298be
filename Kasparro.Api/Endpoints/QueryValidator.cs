using System.Globalization;

namespace Kasparro.Api.Endpoints;

/// <summary>
/// Reads raw query and route values and collects one message per bad parameter, so every endpoint answers
/// bad input with the same 400 problem (<c>{"errors": {"limit": ["..."]}}</c>) instead of a framework error.
/// Parameters are bound as strings on purpose: a non-numeric limit must be our 400, not a binding failure.
/// </summary>
public sealed class QueryValidator
{
    /// <summary>Longest accepted free-text value; nothing legitimate comes close.</summary>
    public const int MaxTextLength = 100;
    public const int MaxLimit = 200;

    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public IDictionary<string, string[]> Errors => _errors;

    public void Fail(string name, string message) => _errors.TryAdd(name, [message]);

    /// <summary>A page size between 1 and <paramref name="max"/>.</summary>
    public int Limit(string? raw, int defaultValue, int max = MaxLimit, string name = "limit")
    {
        if (raw is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
        {
            Fail(name, $"must be an integer between 1 and {max}");
            return defaultValue;
        }

        return value;
    }

    /// <summary>A non-negative row offset.</summary>
    public int Offset(string? raw, string name = "offset")
    {
        if (raw is null)
        {
            return 0;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            Fail(name, "must be an integer of 0 or more");
            return 0;
        }

        return value;
    }

    /// <summary>A positive 64-bit id; required ones fail when absent.</summary>
    public long? Id(string? raw, string name, bool required = false)
    {
        if (raw is null)
        {
            if (required)
            {
                Fail(name, "is required");
            }

            return null;
        }

        if (!long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            Fail(name, "must be a positive integer");
            return null;
        }

        return value;
    }

    /// <summary>A free-text value: at most <see cref="MaxTextLength"/> characters, no control characters (PostgreSQL refuses NUL).</summary>
    public string? Text(string? raw, string name)
    {
        if (raw is null)
        {
            return null;
        }

        if (raw.Length == 0)
        {
            Fail(name, "must not be empty");
            return null;
        }

        if (raw.Length > MaxTextLength)
        {
            Fail(name, $"must be at most {MaxTextLength} characters");
            return null;
        }

        if (raw.Any(char.IsControl))
        {
            Fail(name, "must not contain control characters");
            return null;
        }

        return raw;
    }

    /// <summary>One of a fixed set of values (sources, statuses, kinds), compared exactly.</summary>
    public string? OneOf(string? raw, string name, IReadOnlyCollection<string> allowed)
    {
        if (raw is null)
        {
            return null;
        }

        if (!allowed.Contains(raw, StringComparer.Ordinal))
        {
            Fail(name, $"must be one of: {string.Join(", ", allowed)}");
            return null;
        }

        return raw;
    }

    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(3000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An ISO 8601 timestamp between 1970 and 3000; one without an offset is taken as UTC.</summary>
    public DateTimeOffset? Timestamp(string? raw, string name)
    {
        if (raw is null)
        {
            return null;
        }

        if (raw.Length > MaxTextLength
            || !DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            Fail(name, "must be an ISO 8601 timestamp, e.g. 2025-03-29T10:22:52Z");
            return null;
        }

        // Bounded so range arithmetic (a default 7-day window before it) can never leave DateTimeOffset's range.
        if (value < Earliest || value >= Latest)
        {
            Fail(name, "must be between 1970 and 3000");
            return null;
        }

        return value.ToUniversalTime();
    }

    /// <summary>Checks that a range is not empty or reversed.</summary>
    public void Range(DateTimeOffset? from, DateTimeOffset? to, string toName)
    {
        if (from is not null && to is not null && to <= from)
        {
            Fail(toName, "must be later than the start of the range");
        }
    }
}
