using System.Buffers;
using System.Text.Json;

namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>
/// The raw payload of one CSV batch: the file's header line and the batch's records exactly as they stand in the
/// file, as one JSON document. A file's natural raw unit is its lines, so a batch of 20,000 rows is kept as one
/// <c>raw_records</c> row instead of 20,000 (the per-row JSON, hash and index entries were most of the load time;
/// docs/performance.md). Reading row <c>n</c> back: <c>payload -> 'rows' ->> (n - first_line)</c> for
/// single-line records.
/// </summary>
public sealed class CsvRawChunk(string fileName, string fingerprint, string headerLine)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private Utf8JsonWriter? _json;
    private long _firstLine;
    private long _lastLine;

    /// <summary>How many records the chunk holds.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one record's raw text, as read, at its line number in the file.</summary>
    public void Add(ReadOnlySpan<char> rawRecord, long line)
    {
        if (_json is null)
        {
            // The rows are written straight into the document and the line numbers after them, once known, so the
            // document is built without a second copy.
            _json = new Utf8JsonWriter(_buffer);
            _json.WriteStartObject();
            _json.WriteString("file", fileName);
            _json.WriteString("fingerprint", fingerprint);
            _json.WriteString("header", headerLine);
            _json.WriteStartArray("rows");
            _firstLine = line;
        }

        // PostgreSQL text cannot hold U+0000 (->> fails on its escape); the row itself is quarantined for it
        // (CsvSource), the chunk keeps a visible stand-in.
        if (rawRecord.Contains('\0'))
        {
            _json.WriteStringValue(rawRecord.ToString().Replace('\0', '\uFFFD'));
        }
        else
        {
            _json.WriteStringValue(rawRecord);
        }

        _lastLine = line;
        Count++;
    }

    /// <summary>The chunk as a raw payload (null when empty); the builder is then empty again.</summary>
    public RawPayload? Take()
    {
        if (_json is null)
        {
            return null;
        }

        _json.WriteEndArray();
        _json.WriteNumber("first_line", _firstLine);
        _json.WriteNumber("last_line", _lastLine);
        _json.WriteNumber("count", Count);
        _json.WriteEndObject();
        _json.Flush();
        var payload = RawPayload.FromUtf8($"{fileName}:{_firstLine}-{_lastLine}", null, _buffer.WrittenSpan);
        _json.Dispose();
        _json = null;
        _buffer.ResetWrittenCount();
        Count = 0;
        return payload;
    }
}
