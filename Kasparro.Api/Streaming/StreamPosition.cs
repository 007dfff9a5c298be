using System.Globalization;

namespace Kasparro.Api.Streaming;

/// <summary>
/// Where a client is in the change feed. Event ids are <c>{sequence}.{position}</c>: the change_log id and the event's
/// place among that change's events (from 1, over all of them, before any filter), so a client cut off in the middle of
/// a large change resumes after the last event it got. A bare <c>{sequence}</c> means that whole change was received.
/// </summary>
public readonly record struct StreamPosition(long Sequence, int Position)
{
    /// <summary>"Everything of the change": a bare sequence.</summary>
    public const int WholeChange = int.MaxValue;

    public static string IdOf(long sequence, int position) =>
        string.Create(CultureInfo.InvariantCulture, $"{sequence}.{position}");

    /// <summary>Parses a Last-Event-ID; false for anything that is not one of ours.</summary>
    public static bool TryParse(string raw, out StreamPosition position)
    {
        position = default;
        var dot = raw.IndexOf('.', StringComparison.Ordinal);
        var sequencePart = dot < 0 ? raw : raw[..dot];
        if (!long.TryParse(sequencePart, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence < 0)
        {
            return false;
        }

        var at = WholeChange;
        if (dot >= 0 && (!int.TryParse(raw[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out at) || at < 1))
        {
            return false;
        }

        position = new StreamPosition(sequence, at);
        return true;
    }
}
