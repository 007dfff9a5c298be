namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>
/// The last <c>created_at</c> text of a file that parsed, with its value: a snapshot export repeats one timestamp over
/// every coin of the hour (2,000 rows in the benchmark file), so most rows compare 20 characters instead of parsing
/// them (docs/performance.md, "CSV reader: Sep fast path"). The value is a function of the text, so nothing else changes.
/// </summary>
internal sealed class CsvTimestampCache
{
    private readonly char[] text = new char[64];
    private int length = -1;
    private DateTimeOffset value;

    /// <summary><see cref="SourceValues.TryParseTimestamp(ReadOnlySpan{char}, out DateTimeOffset)"/>, remembering the last text that parsed.</summary>
    public bool TryParse(ReadOnlySpan<char> timestamp, out DateTimeOffset parsed)
    {
        if (length >= 0 && timestamp.SequenceEqual(text.AsSpan(0, length)))
        {
            parsed = value;
            return true;
        }

        if (!SourceValues.TryParseTimestamp(timestamp, out parsed))
        {
            return false;
        }

        if (timestamp.Length <= text.Length)
        {
            timestamp.CopyTo(text);
            length = timestamp.Length;
            value = parsed;
        }

        return true;
    }
}
