using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using nietras.SeparatedValues;
using Kasparro.Data;
using Kasparro.Ingestion.Quality;
using Microsoft.Extensions.Options;

namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>
/// CSV files (one file, or every <c>*.csv</c> in a folder, in name order), streamed with CsvHelper so memory
/// does not grow with the file. Headers match case- and whitespace-insensitively; the delimiter is detected;
/// UTF-8 with or without BOM. Each file's checkpoint holds its fingerprint and the row reached: an unchanged
/// file already read is skipped, a half-read one resumes after its last committed row.
/// </summary>
public sealed class CsvSource(IOptions<CsvOptions> options, IHostEnvironment environment, ILogger<CsvSource> logger) : IMarketSource
{
    private const int MaxFieldLength = 1024 * 1024;

    private static readonly SearchValues<char> TickerCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_$");

    /// <summary>The header of an uploaded CSV file (names lower-case and trimmed).</summary>
    public static readonly FieldSet Fields = new(
        SourceNames.Csv,
        Required: ["symbol", "price_usd"],
        Optional: ["name", "market_cap_usd", "volume_24h_usd", "percent_change_24h", "created_at"]);

    /// <summary>
    /// CSV rows are tickers typed by people: ids match the curated list in any case, a file may name a coin another row
    /// already linked, and a row with only a ticker links to the most plausible asset. Files may be old snapshots, so
    /// their caps are trusted loosely; a token a thousand times smaller is still never the big coin.
    /// </summary>
    public static readonly SourceIdentity Identity = new()
    {
        SourceIdsIgnoreCase = true,
        ListsEachCoinOnce = false,
        SymbolOnly = new SymbolOnlyLinking("CSV", MaxCapRatio: 1000m),
    };

    public string Name => SourceNames.Csv;

    SourceIdentity IMarketSource.Identity => Identity;

    public bool Enabled => options.Value.Enabled;

    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in Files())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = $"{Name}:{Path.GetFileName(file)}";
            var config = ReaderConfiguration();
            var scan = CsvFileScan.Read(file, new[] { config.Quote, config.Escape }, MaxFieldLength, cancellationToken);
            var committed = FilePosition.Parse(context.Checkpoints.GetValueOrDefault(key));
            var skipRows = 0L;
            if (committed is not null && committed.Fingerprint == scan.Fingerprint)
            {
                if (committed.Complete)
                {
                    logger.LogInformation("CSV file {File} is unchanged since it was read; skipping", file);
                    continue;
                }

                skipRows = committed.Row;
                logger.LogInformation("Resuming CSV file {File} after row {Row}", file, skipRows);
            }

            await foreach (var batch in ReadFileAsync(file, key, scan, config, skipRows, context, cancellationToken))
            {
                yield return batch;
            }
        }
    }

    private IEnumerable<string> Files()
    {
        var path = Path.Combine(environment.ContentRootPath, options.Value.Path);
        if (File.Exists(path))
        {
            return [path];
        }

        if (Directory.Exists(path))
        {
            return Directory.EnumerateFiles(path, "*.csv").Order(StringComparer.Ordinal);
        }

        throw new FileNotFoundException($"Sources:Csv:Path '{path}' is neither a file nor a folder.");
    }

    private static CsvConfiguration ReaderConfiguration() => new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = true,
        DetectDelimiter = true,
        DetectDelimiterValues = [",", ";", "\t", "|"],
        TrimOptions = TrimOptions.Trim,
        MissingFieldFound = null,
        HeaderValidated = null,
        IgnoreBlankLines = true,
        MaxFieldSize = MaxFieldLength,
    };

    /// <summary>
    /// The header is always read by CsvHelper (its delimiter detection decides the file's delimiter); the rows of a
    /// plain file (<see cref="CsvFileScan.IsPlain"/>) are then read by Sep, every other file's by CsvHelper. Both give
    /// the same records, reasons and raw chunks (tests/Kasparro.Ingestion.Tests CsvParserIdentityTests; docs/performance.md,
    /// "CSV reader: Sep fast path").
    /// </summary>
    private async IAsyncEnumerable<SourceBatch> ReadFileAsync(string file, string key, CsvFileScan scan, CsvConfiguration config, long skipRows,
        SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fileName = Path.GetFileName(file);
        string? badData = null;
        config.BadDataFound = args => badData = args.Field;

        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var reader = OpenText(stream);
        using var csv = new CsvReader(reader, config);

        if (!await csv.ReadAsync() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } rawHeader)
        {
            yield return new SourceBatch([], new CheckpointUpdate(key, new FilePosition(scan.Fingerprint, 0, true).ToString()));
            yield break;
        }

        var header = rawHeader.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var drift = context.DriftDetector.InspectHeader(header, Fields);
        var missingColumns = drift.MissingRequired.Count > 0 ? $"file has no {string.Join(" or ", drift.MissingRequired.Select(c => $"'{c}' column"))}" : null;
        if (missingColumns is null && context.OnDrift == Kasparro.Data.Operations.DriftPolicy.Quarantine && drift.IsBreaking)
        {
            // The header decides for every row of the file: each row is held with the header's drift as its reason.
            missingColumns = drift.DescribeBreaking() + " (OnDrift = quarantine)";
        }

        var rows = new FileBatches(new FilePlace(fileName, key, scan.Fingerprint, skipRows), Math.Max(1, options.Value.BatchSize), context,
            new HeaderVerdict(rawHeader, new CsvColumns(header), drift, missingColumns), new CsvRecordFields(csv.Configuration, MaxFieldLength),
            new CsvRawChunk(fileName, scan.Fingerprint, (csv.Parser.RawRecord ?? string.Join(',', rawHeader)).TrimEnd('\r', '\n')));

        if (options.Value.FastPath && scan.IsPlain && csv.Parser.Delimiter is { Length: 1 } delimiter)
        {
            using var sep = PlainRows(file, delimiter[0]);
            var headerLine = csv.Parser.RawRow;
            while (ReadPlainRows(sep, rows, headerLine, delimiter))
            {
                yield return rows.Take(complete: false);
            }

            yield return rows.Take(complete: true);
            yield break;
        }

        var insideBrokenLine = false;
        while (true)
        {
            var readFailed = false;
            string? readError = null;
            string? rawRecord = null;
            try
            {
                if (!await csv.ReadAsync())
                {
                    break;
                }

                rawRecord = csv.Parser.RawRecord ?? "";
                rows.Fields.Load(csv.Parser, rawRecord);
                readFailed = rows.Fields.Count == 0;
            }
            catch (CsvHelperException ex)
            {
                readFailed = true;
                readError = ex is MaxFieldSizeException
                    ? $"a field is longer than {MaxFieldLength / 1024} KB"
                    : $"the row could not be parsed as CSV ({ex.GetType().Name})";
            }

            // After an oversized field the parser resumes mid-line: the rest of that physical line is pieces of
            // the record already quarantined, not rows of its own (a 100 MB line is one bad row, not a hundred).
            rawRecord ??= csv.Parser.RawRecord ?? "";
            var endsLine = rawRecord.EndsWith('\n') || rawRecord.EndsWith('\r');
            if (insideBrokenLine)
            {
                insideBrokenLine = !endsLine;
                badData = null;
                continue;
            }

            insideBrokenLine = readFailed && !endsLine;
            if (rows.Next())
            {
                if (readFailed)
                {
                    rows.AddUnreadable(rawRecord, csv.Parser.RawRow, readError!);
                }
                else
                {
                    rows.Add(rawRecord.AsSpan().TrimEnd("\r\n"), csv.Parser.RawRow, badData);
                }
            }

            badData = null;
            if (rows.IsFull)
            {
                yield return rows.Take(complete: false);
            }
        }

        yield return rows.Take(complete: true);
    }

    /// <summary>Invalid UTF-8 becomes U+FFFD rather than an exception, so the row can be quarantined with a reason.</summary>
    private static StreamReader OpenText(Stream stream) => new(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true);

    /// <summary>A plain file's lines as Sep reads them: no header (CsvHelper read it), no quote handling, any number of fields.</summary>
    private static SepReader PlainRows(string file, char delimiter) =>
        Sep.Reader(o => o with
        {
            Sep = new Sep(delimiter),
            HasHeader = false,
            DisableQuotesParsing = true,
            DisableColCountCheck = true,
        }).From(OpenText(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16)));

    /// <summary>
    /// Adds the next rows after <paramref name="headerLine"/> until the batch is full (true) or the file ends (false).
    /// Synchronous, as Sep's rows live only until the next one is read; the reading runs one batch ahead of the writer
    /// on its own thread (BatchReadAhead) anyway.
    /// </summary>
    private static bool ReadPlainRows(SepReader sep, FileBatches rows, int headerLine, string delimiter)
    {
        while (sep.MoveNext())
        {
            var row = sep.Current;
            var line = row.Span;
            // A plain file's records are its lines, so a row's line number is its index (Sep 0.18 numbers the first
            // row of a headerless read as line 2). CsvHelper skips empty lines (IgnoreBlankLines) and counts them; Sep
            // gives them as empty rows.
            var lineNumber = row.RowIndex + 1;
            if (line.IsEmpty || lineNumber <= headerLine || !rows.Next())
            {
                continue;
            }

            rows.Fields.LoadPlain(row, delimiter);
            rows.Add(line, lineNumber, badData: null);
            if (rows.IsFull)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Which file is read, its checkpoint key and fingerprint, and how many of its rows an earlier run committed.</summary>
    private sealed record FilePlace(string FileName, string Key, string Fingerprint, long SkipRows);

    /// <summary>What the header decided for every row: names, column positions, drift, and the reason to hold all rows, if any.</summary>
    private sealed record HeaderVerdict(string[] RawHeader, CsvColumns Columns, DriftFindings Drift, string? MissingColumns);

    /// <summary>
    /// A file's rows gathered into batches, the same whichever parser split them: row numbering and the resume skip,
    /// drift counted per row, each row checked (<see cref="ReadRow"/>) and kept in the batch's raw chunk.
    /// </summary>
    private sealed class FileBatches(FilePlace place, int batchSize, SourceReadContext context, HeaderVerdict header, CsvRecordFields fields, CsvRawChunk chunk)
    {
        private readonly CsvValueInterner symbols = new();
        private readonly CsvValueInterner names = new();
        private readonly CsvTimestampCache timestamps = new();
        private List<SourceRecord> batch = new(Math.Min(batchSize, 4096));
        private long row;

        /// <summary>The fields of the row being added, loaded by the parser.</summary>
        public CsvRecordFields Fields => fields;

        public bool IsFull => batch.Count >= batchSize;

        /// <summary>Counts the next data row; false when an earlier run committed it, so it is skipped.</summary>
        public bool Next() => ++row > place.SkipRows;

        /// <summary>Adds a row whose <see cref="Fields"/> are loaded; <paramref name="line"/> is its text without the line ending.</summary>
        public void Add(ReadOnlySpan<char> line, long rawRow, string? badData)
        {
            batch.Add(ReadRow(new CsvRow(fields, header.RawHeader, header.Columns, symbols, names, timestamps), header.MissingColumns, badData, place.FileName, rawRow, context));
            chunk.Add(line, rawRow);
        }

        /// <summary>Adds a record the parser could not read, quarantined with <paramref name="reason"/>.</summary>
        public void AddUnreadable(string rawRecord, long rawRow, string reason)
        {
            var head = Head(rawRecord);
            batch.Add(SourceRecord.Rejected(null, head, LocationOf(place.FileName, rawRow), reason));
            chunk.Add(head, rawRow);
        }

        /// <summary>The batch so far with the checkpoint after its last row; the next batch starts empty.</summary>
        public SourceBatch Take(bool complete)
        {
            // Drift is counted per row, so the event's count says how many rows showed it; every row of a file
            // shares its header's drift, so a batch adds its rows at once (drained with the batch: BatchReadAhead).
            context.Drift.Add(header.Drift, batch.Count);
            var taken = new SourceBatch(batch, new CheckpointUpdate(place.Key, new FilePosition(place.Fingerprint, row, complete).ToString()), chunk.Take());
            // A file that filled a batch is likely to fill the next: sized once instead of grown by copies through the large object heap.
            batch = new List<SourceRecord>(complete ? 0 : Math.Min(batchSize, Math.Max(4096, batch.Count)));
            return taken;
        }
    }

    /// <summary>
    /// An accepted row holds only its values (its line and number are in the batch's raw chunk); a rejected row keeps the row as JSON
    /// keyed by the file's header, so the quarantine shows which value sits in which column.
    /// </summary>
    private static SourceRecord ReadRow(CsvRow record, string? missingColumns, string? badData, string fileName, long rawRow, SourceReadContext context)
    {
        var sourceId = record.Symbol();

        if (missingColumns is not null)
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), missingColumns);
        }

        if (badData is not null)
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), $"malformed CSV near {SourceValues.Truncate(badData)} (stray quote)");
        }

        if (record.Fields.AnyContains('\uFFFD'))
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), "the row contains bytes that are not valid UTF-8");
        }

        if (record.Fields.AnyContains('\0'))
        {
            return SourceRecord.Rejected(sourceId, record.AsJson().Replace("\\u0000", "\\uFFFD", StringComparison.Ordinal), LocationOf(fileName, rawRow), "the row contains a NUL character");
        }

        if (sourceId is null)
        {
            return SourceRecord.Rejected(null, record.AsJson(), LocationOf(fileName, rawRow), "'symbol' is empty");
        }

        if (sourceId.Length > 32 || sourceId.AsSpan().ContainsAnyExcept(TickerCharacters))
        {
            return SourceRecord.Rejected(null, record.AsJson(), LocationOf(fileName, rawRow), $"'symbol' value {SourceValues.Truncate(sourceId)} is not a ticker symbol");
        }

        var priceText = record.Get(record.Columns.Price);
        if (priceText.IsEmpty)
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), "'price_usd' is empty");
        }

        var price = SourceValues.ParseDecimal(priceText, "price_usd", out var error);
        if (error is not null)
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), error);
        }

        if (price < 0)
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), $"'price_usd' is negative ({price})");
        }

        string? optionalError = null;
        var marketCap = Optional(record, record.Columns.MarketCap, "market_cap_usd", ref optionalError);
        var volume = Optional(record, record.Columns.Volume, "volume_24h_usd", ref optionalError);
        var change = Optional(record, record.Columns.Change, "percent_change_24h", ref optionalError);
        if (optionalError is not null)
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), optionalError);
        }

        var createdText = record.Get(record.Columns.CreatedAt);
        var observedAt = context.StartedAt;
        if (!createdText.IsEmpty && !record.Timestamps.TryParse(createdText, out observedAt))
        {
            return SourceRecord.Rejected(sourceId, record.AsJson(), LocationOf(fileName, rawRow), $"'created_at' value {SourceValues.Truncate(createdText.ToString())} is not an ISO 8601 date");
        }

        return SourceRecord.AcceptedInRawChunk(sourceId,
            new MarketValues(sourceId, record.Name(), price!.Value, marketCap, volume, change, observedAt, null));
    }

    /// <summary>An optional number: absent or empty is null; the first bad one sets <paramref name="firstError"/>.</summary>
    private static decimal? Optional(CsvRow record, int index, string name, ref string? firstError)
    {
        var text = record.Get(index);
        if (text.IsEmpty)
        {
            return null;
        }

        var value = SourceValues.ParseDecimal(text, name, out var error);
        firstError ??= error;
        return value;
    }

    /// <summary>Where a rejected row stands: the file and the row's line number. Made only for rejected rows.</summary>
    private static string LocationOf(string fileName, long rawRow) => string.Create(CultureInfo.InvariantCulture, $"{fileName}:{rawRow}");

    /// <summary>The start of an unparseable record, enough to find it in the file without storing megabytes.</summary>
    private static string Head(string? raw) => raw is null ? "" : raw.Length <= 4096 ? raw : raw[..4096] + "…";

    /// <summary>Column positions by normalized header name; -1 when a column is absent.</summary>
    private sealed class CsvColumns(string[] header)
    {
        public int Symbol { get; } = Array.IndexOf(header, "symbol");
        public int Name { get; } = Array.IndexOf(header, "name");
        public int Price { get; } = Array.IndexOf(header, "price_usd");
        public int MarketCap { get; } = Array.IndexOf(header, "market_cap_usd");
        public int Volume { get; } = Array.IndexOf(header, "volume_24h_usd");
        public int Change { get; } = Array.IndexOf(header, "percent_change_24h");
        public int CreatedAt { get; } = Array.IndexOf(header, "created_at");
    }

    /// <summary>One record's fields with what is needed to read them: the header, the column positions, the interned values, the last timestamp.</summary>
    private readonly record struct CsvRow(CsvRecordFields Fields, string[] RawHeader, CsvColumns Columns, CsvValueInterner Symbols, CsvValueInterner Names,
        CsvTimestampCache Timestamps)
    {
        /// <summary>The field of a column, trimmed; empty when the column is absent or the row is short.</summary>
        public ReadOnlySpan<char> Get(int index) => index >= 0 && index < Fields.Count ? Fields[index].Trim() : [];

        /// <summary>The symbol upper-cased (one string per distinct symbol of the file), or null when empty.</summary>
        public string? Symbol()
        {
            var symbol = Get(Columns.Symbol);
            if (symbol.IsEmpty)
            {
                return null;
            }

            if (symbol.Length > CsvValueInterner.MaxLength)
            {
                return symbol.ToString().ToUpperInvariant();
            }

            Span<char> upper = stackalloc char[symbol.Length];
            symbol.ToUpperInvariant(upper);
            return Symbols.Intern(upper);
        }

        /// <summary>The name (one string per distinct name of the file), or null when empty.</summary>
        public string? Name() => Get(Columns.Name) is { IsEmpty: false } name ? Names.Intern(name) : null;

        public string AsJson() => Fields.ToJson(RawHeader);
    }

    /// <summary>Checkpoint of one file: its content fingerprint, the last data row committed, whether it is done.</summary>
    private sealed record FilePosition(string Fingerprint, long Row, bool Complete)
    {
        public static FilePosition? Parse(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            return new FilePosition(root.GetProperty("fingerprint").GetString()!, root.GetProperty("row").GetInt64(), root.GetProperty("complete").GetBoolean());
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $$"""{"fingerprint":"{{Fingerprint}}","row":{{Row}},"complete":{{(Complete ? "true" : "false")}}}""");
    }
}
