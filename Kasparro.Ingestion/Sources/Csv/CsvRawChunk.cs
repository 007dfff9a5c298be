using System.Buffers;
using System.Text;
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
    private readonly ArrayBufferWriter<byte> _rows = new(1 << 20);
    private Utf8JsonWriter? _json;
    private long _firstLine;
    private long _lastLine;

    /// <summary>How many records the chunk holds.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one record's raw text, as read, at its line number in the file.</summary>
    public void Add(string rawRecord, long line)
    {
        if (_json is null)
        {
            _json = new Utf8JsonWriter(_rows);
            _json.WriteStartArray();
            _firstLine = line;
        }

        // jsonb cannot hold U+0000; the row itself is quarantined for it (CsvSource), the chunk keeps a visible stand-in.
        _json.WriteStringValue(rawRecord.Contains('\0') ? rawRecord.Replace('\0', '\uFFFD') : rawRecord);
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
        _json.Flush();
        var buffer = new ArrayBufferWriter<byte>(_rows.WrittenCount + 512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("file", fileName);
            json.WriteString("fingerprint", fingerprint);
            json.WriteString("header", headerLine);
            json.WriteNumber("first_line", _firstLine);
            json.WriteNumber("last_line", _lastLine);
            json.WriteNumber("count", Count);
            json.WritePropertyName("rows");
            json.WriteRawValue(_rows.WrittenSpan, skipInputValidation: true);
            json.WriteEndObject();
        }

        var payload = new RawPayload($"{fileName}:{_firstLine}-{_lastLine}", null, Encoding.UTF8.GetString(buffer.WrittenSpan));
        _json.Dispose();
        _json = null;
        _rows.Clear();
        Count = 0;
        return payload;
    }
}
