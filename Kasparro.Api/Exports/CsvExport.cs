using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CsvHelper;
using CsvHelper.Configuration;
using Kasparro.Api.Endpoints;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Kasparro.Api.Exports;

/// <summary>
/// A listing answered as CSV (<c>format=csv</c> or <c>Accept: text/csv</c>): RFC 4180 through CsvHelper, UTF-8
/// without a BOM, a header row of the JSON field names of the same endpoint, one row per item, written while the rows
/// are read so memory stays flat however long the export is. The columns are the row type's scalar JSON properties,
/// in JSON order (nested objects and lists are not exported); cells are formatted by <see cref="CsvCells"/>.
/// </summary>
public sealed class CsvExport : IResult, IEndpointMetadataProvider
{
    public const string MediaType = "text/csv";

    /// <summary>The operation description of every exporting endpoint (docs/api-contract.md, "Exports").</summary>
    public const string Description = "format=csv (or Accept: text/csv) answers text/csv instead: RFC 4180, UTF-8, a header row of the JSON field names, "
        + "nested objects left out, ISO 8601 UTC times, numbers at full precision, text that a spreadsheet would read as a formula prefixed with '. "
        + "Streamed: limit and offset apply when given, else the whole filtered result is exported.";
    /// <summary>The <c>format</c> value of the CSV export.</summary>
    public const string Csv = "csv";

    /// <summary>The <c>format</c> value of the default JSON response.</summary>
    public const string Json = "json";
    private static readonly string[] Formats = [Json, Csv];
    private static readonly UTF8Encoding Utf8WithoutBom = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\r\n",
        // RFC 4180 says when: a quote, the delimiter or a line break inside; leading/trailing spaces too, which
        // spreadsheets would otherwise trim.
        ShouldQuote = args => args.Field is { Length: > 0 } field
            && (field.AsSpan().IndexOfAny("\",\r\n") >= 0 || field[0] == ' ' || field[^1] == ' '),
    };
    private static readonly ConcurrentDictionary<Type, CsvColumn[]> ColumnsByType = new();

    private readonly string _fileName;
    private readonly Func<HttpContext, CsvWriter, Task> _writeRows;

    private CsvExport(string fileName, Func<HttpContext, CsvWriter, Task> writeRows)
    {
        _fileName = fileName;
        _writeRows = writeRows;
    }

    /// <summary>
    /// Whether the request asks for CSV: <c>format=csv</c> (<c>format=json</c> forces JSON; anything else is a 400 in
    /// <paramref name="query"/>), else an <c>Accept</c> header preferring <c>text/csv</c> to JSON.
    /// </summary>
    public static bool IsRequested(HttpRequest request, string? format, QueryValidator query) =>
        Requested(request, format, query, Formats) == Csv;

    /// <summary>
    /// The response format asked for, one of <paramref name="formats"/> (which hold <see cref="Json"/> and
    /// <see cref="Csv"/>, and any other form the endpoint serves): <c>format=</c> when given (anything else is a 400 in
    /// <paramref name="query"/>), else <see cref="Csv"/> for an <c>Accept</c> header preferring <c>text/csv</c> to
    /// JSON, else <see cref="Json"/>.
    /// </summary>
    public static string Requested(HttpRequest request, string? format, QueryValidator query, IReadOnlyCollection<string> formats)
    {
        if (format is not null)
        {
            return query.OneOf(format, "format", formats) ?? Json;
        }

        var accepted = request.GetTypedHeaders().Accept;
        if (accepted is not { Count: > 0 })
        {
            return Json;
        }

        // The most preferred type we serve wins; a tie goes to the one listed first.
        var best = accepted
            .Where(type => type.MatchesMediaType(MediaType) || type.MatchesMediaType("application/json"))
            .OrderByDescending(type => type.Quality ?? 1)
            .FirstOrDefault();
        return best is { MediaType.Value: var media } && (best.Quality ?? 1) > 0
            && string.Equals(media, MediaType, StringComparison.OrdinalIgnoreCase) ? Csv : Json;
    }

    /// <summary>The export of <paramref name="rows"/>, offered for download as <paramref name="fileName"/>.</summary>
    public static CsvExport Of<T>(string fileName, IAsyncEnumerable<T> rows) =>
        new(fileName, (context, csv) => WriteRowsAsync(context, csv, rows));

    public async Task ExecuteAsync(HttpContext context)
    {
        // A long export legitimately outlasts the request timeout; Kestrel's minimum response data rate still drops a
        // client that stops reading, and the rows are read only as fast as the client takes them.
        context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = MediaType + "; charset=utf-8";
        context.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = _fileName }.ToString();

        // NextRecordAsync hands each row to the StreamWriter, which writes to the body asynchronously when its buffer
        // fills: nothing is written synchronously (Kestrel forbids it) and nothing is held beyond the two buffers.
        await using var text = new StreamWriter(context.Response.Body, Utf8WithoutBom, bufferSize: 16 * 1024, leaveOpen: true);
        await using var csv = new CsvWriter(text, Configuration, leaveOpen: true);
        await _writeRows(context, csv);
        await csv.FlushAsync();
    }

    /// <summary>Marks the operation for <see cref="CsvExportResponse"/>, which adds text/csv to its 200 response in the OpenAPI document.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => builder.Metadata.Add(new CsvExportMetadata());

    private static async Task WriteRowsAsync<T>(HttpContext context, CsvWriter csv, IAsyncEnumerable<T> rows)
    {
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var columns = ColumnsByType.GetOrAdd(typeof(T), type => CsvColumn.Of(json.GetTypeInfo(type)));
        foreach (var column in columns)
        {
            csv.WriteField(column.Name);
        }

        await csv.NextRecordAsync();
        await foreach (var row in rows.WithCancellation(context.RequestAborted))
        {
            foreach (var column in columns)
            {
                csv.WriteField(column.Cell(row!));
            }

            await csv.NextRecordAsync();
        }
    }

    /// <summary>One exported column: a scalar JSON property of the row type, under its JSON name.</summary>
    private sealed record CsvColumn(string Name, Func<object, object?> Get)
    {
        private static readonly HashSet<Type> Scalars =
        [
            typeof(string), typeof(decimal), typeof(double), typeof(int), typeof(long),
            typeof(bool), typeof(DateTime), typeof(DateTimeOffset),
        ];

        public static CsvColumn[] Of(JsonTypeInfo type) => type.Properties
            .Where(property => property.Get is not null && Scalars.Contains(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType))
            .Select(property => new CsvColumn(property.Name, property.Get!))
            .ToArray();

        public string Cell(object row) => Get(row) switch
        {
            null => "",
            string text => CsvCells.Text(text),
            decimal number => CsvCells.Number(number),
            double number => CsvCells.Number(number),
            int number => CsvCells.Number(number),
            long number => CsvCells.Number(number),
            bool flag => flag ? "true" : "false",
            DateTime time => CsvCells.Time(time),
            DateTimeOffset time => CsvCells.Time(time.UtcDateTime),
            var other => throw new NotSupportedException($"No CSV cell for {other.GetType()}"),
        };
    }
}
