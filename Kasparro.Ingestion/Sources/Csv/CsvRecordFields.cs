using System.Buffers;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using nietras.SeparatedValues;

namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>
/// The fields of the record CsvHelper (or, for a plain file, Sep) has just read, reused from row to row. A record with no quote or escape
/// character in it has fields that are exactly the text between its delimiters, trimmed as configured (CsvHelper's
/// RFC 4180 rule for unquoted fields, which raises no bad data): those are kept as ranges of the raw record instead of
/// seven new strings a row, less allocation and CPU on every row (docs/performance.md, Load path).
/// Every other record takes its fields from CsvHelper, which does all quote and
/// escape handling; CsvHelper 33.1 has no span access to a field (Parser[i] and Parser.Record make strings).
/// </summary>
internal sealed class CsvRecordFields
{
    private readonly SearchValues<char> quoting;
    private readonly char[] whiteSpace;
    private readonly bool trim;
    private readonly bool splittable;
    private readonly int maxRecordLength;
    private (int Start, int Length)[] ranges = new (int, int)[16];
    private string[] strings = [];
    private char[] copied = new char[256];
    private ReadOnlyMemory<char> record;
    private string delimiter = "";
    private bool fromRanges;

    public CsvRecordFields(IReaderConfiguration configuration, int maxFieldLength)
    {
        quoting = SearchValues.Create([configuration.Quote, configuration.Escape]);
        whiteSpace = configuration.WhiteSpaceChars;
        // An empty set would make span trimming remove all white space, where CsvHelper then trims nothing.
        trim = (configuration.TrimOptions & TrimOptions.Trim) == TrimOptions.Trim && whiteSpace.Length > 0;
        splittable = configuration.Mode == CsvMode.RFC4180;
        // A record no longer than the field limit cannot hold a field over it, so the split never skips that check.
        maxRecordLength = maxFieldLength;
    }

    /// <summary>How many fields the record has (0 when CsvHelper gave none).</summary>
    public int Count { get; private set; }

    /// <summary>Takes the current record's fields: split from <paramref name="rawRecord"/> when it has no quoting, else from the parser.</summary>
    public void Load(IParser parser, string rawRecord)
    {
        var text = rawRecord.AsSpan().TrimEnd("\r\n");
        if (splittable && text.Length <= maxRecordLength && !text.ContainsAny(quoting) && parser.Delimiter is { Length: > 0 } delimiter)
        {
            Split(rawRecord.AsMemory(0, text.Length), delimiter);
            return;
        }

        // Every field is read, as Parser.Record reads them: a stray quote is reported (BadDataFound) when its field is.
        fromRanges = false;
        Count = parser.Count;
        if (strings.Length < Count)
        {
            strings = new string[Count];
        }

        for (var i = 0; i < Count; i++)
        {
            strings[i] = parser[i];
        }
    }

    /// <summary>
    /// Takes the fields of one line of a plain file (<see cref="CsvFileScan.IsPlain"/>: no quoting, within the field
    /// limit), without its line ending, as read by Sep: split by the same rule as an unquoted record from CsvHelper.
    /// The line is copied, as Sep reuses its buffer for the next row.
    /// </summary>
    public void LoadPlain(SepReader.Row row, string delimiter)
    {
        var line = row.Span;
        if (copied.Length < line.Length)
        {
            copied = new char[Math.Max(line.Length, copied.Length * 2)];
        }

        line.CopyTo(copied);
        fromRanges = true;
        record = copied.AsMemory(0, line.Length);
        this.delimiter = delimiter;
        Count = 0;
        // Sep has found the delimiters already: without quote parsing, its columns are the text between them.
        var start = 0;
        for (var i = 0; i < row.ColCount; i++)
        {
            var length = row[i].Span.Length;
            Add(start, length);
            start += length + delimiter.Length;
        }
    }

    /// <summary>Field <paramref name="index"/> as CsvHelper would give it.</summary>
    public ReadOnlySpan<char> this[int index] => fromRanges
        ? record.Span.Slice(ranges[index].Start, ranges[index].Length)
        : strings[index];

    /// <summary>Whether any field holds <paramref name="c"/>.</summary>
    public bool AnyContains(char c)
    {
        // Split fields are the record less its delimiters and trimmed white space: one search of the record finds any
        // other character, instead of one search a field.
        if (fromRanges && !delimiter.Contains(c) && !whiteSpace.Contains(c))
        {
            return record.Span.Contains(c);
        }

        for (var i = 0; i < Count; i++)
        {
            if (this[i].Contains(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The row as received, keyed by the file's own header names (extra columns included), as JSON text.</summary>
    public string ToJson(string[] header)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < Count; i++)
            {
                var name = i < header.Length && !string.IsNullOrEmpty(header[i]) ? header[i] : $"column_{i + 1}";
                json.WriteString(name, this[i]);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void Split(ReadOnlyMemory<char> text, string delimiter)
    {
        fromRanges = true;
        record = text;
        this.delimiter = delimiter;
        Count = 0;
        var start = 0;
        var length = text.Length;
        while (true)
        {
            var end = text.Span.Slice(start, length - start).IndexOf(delimiter);
            var fieldLength = end < 0 ? length - start : end;
            Add(start, fieldLength);
            if (end < 0)
            {
                return;
            }

            start += fieldLength + delimiter.Length;
        }
    }

    private void Add(int start, int length)
    {
        if (trim)
        {
            var field = record.Span.Slice(start, length);
            var trimmedStart = field.TrimStart(whiteSpace);
            start += field.Length - trimmedStart.Length;
            length = trimmedStart.TrimEnd(whiteSpace).Length;
        }

        if (Count == ranges.Length)
        {
            Array.Resize(ref ranges, ranges.Length * 2);
        }

        ranges[Count++] = (start, length);
    }
}
