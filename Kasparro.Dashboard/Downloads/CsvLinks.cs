using System.Globalization;
using Kasparro.Dashboard.Api;
using Microsoft.AspNetCore.WebUtilities;

namespace Kasparro.Dashboard.Downloads;

/// <summary>
/// The links of the "Download CSV" buttons: the <see cref="CsvDownloads"/> path of the API listing a grid or chart
/// shows, with the query the page sent for it (same filters, range, page), so the file holds exactly what is shown.
/// </summary>
public static class CsvLinks
{
    public static string History(string assetId, DateTimeOffset from, DateTimeOffset to) =>
        Link($"/download/assets/{Uri.EscapeDataString(assetId)}/history.csv", ("from", KasparroApiClient.Timestamp(from)), ("to", KasparroApiClient.Timestamp(to)));

    public static string Runs(int limit, int offset, string? source, string? status) =>
        Link("/download/runs.csv", ("limit", Number(limit)), ("offset", Number(offset)), ("source", source), ("status", status));

    public static string Quarantine(string? source, long? runId, int limit, int offset) =>
        Link("/download/quarantine.csv", ("source", source), ("run_id", runId is null ? null : Number(runId.Value)), ("limit", Number(limit)), ("offset", Number(offset)));

    public static string Drift(string? source, string? kind, int limit, int offset) =>
        Link("/download/drift.csv", ("source", source), ("kind", kind), ("limit", Number(limit)), ("offset", Number(offset)));

    public static string Alerts(string state, int limit, int offset) =>
        Link("/download/alerts.csv", ("state", state), ("limit", Number(limit)), ("offset", Number(offset)));

    public static string CompareAssets(IReadOnlyList<string> ids, DateTimeOffset from, DateTimeOffset to) =>
        Link("/download/compare/assets.csv", ("ids", string.Join(',', ids)), ("from", KasparroApiClient.Timestamp(from)), ("to", KasparroApiClient.Timestamp(to)));

    private static string Link(string path, params (string Name, string? Value)[] parameters) =>
        QueryHelpers.AddQueryString(path, parameters.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)));

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
