using Kasparro.Dashboard.Api;
using Microsoft.AspNetCore.WebUtilities;

namespace Kasparro.Dashboard.Downloads;

/// <summary>
/// The dashboard's "Download CSV" links: <c>/download/...</c> streams the API's own CSV export of the same query
/// (the browser never reaches the API, and CSV is formatted in one place, the API). Only the listed exports and their
/// parameters are passed on; <see cref="CsvLinks"/> builds the links.
/// </summary>
public static class CsvDownloads
{
    /// <summary>The exportable API listings and the query parameters each takes.</summary>
    private static readonly Dictionary<string, string[]> Listings = new(StringComparer.Ordinal)
    {
        ["data"] = ["source", "ticker", "asset_id", "start_date", "end_date", "limit", "offset"],
        ["runs"] = ["source", "status", "trigger_id", "limit", "offset"],
        ["quarantine"] = ["source", "run_id", "limit", "offset"],
        ["drift"] = ["source", "kind", "limit", "offset"],
        ["alerts"] = ["state", "limit", "offset"],
    };

    private static readonly string[] HistoryParameters = ["from", "to", "interval"];
    private static readonly string[] CompareParameters = ["ids", "from", "to", "interval", "basis", "source"];

    public static IEndpointRouteBuilder MapCsvDownloads(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/download/{listing}.csv", (string listing, HttpContext context, KasparroApiClient api) =>
            Listings.TryGetValue(listing, out var parameters)
                ? ForwardAsync(context, api, listing, parameters)
                : Results.NotFound().ExecuteAsync(context));
        routes.MapGet("/download/assets/{id}/history.csv", (string id, HttpContext context, KasparroApiClient api) =>
            ForwardAsync(context, api, $"assets/{Uri.EscapeDataString(id)}/history", HistoryParameters));
        routes.MapGet("/download/compare/assets.csv", (HttpContext context, KasparroApiClient api) =>
            ForwardAsync(context, api, "compare/assets", CompareParameters));
        return routes;
    }

    private static async Task ForwardAsync(HttpContext context, KasparroApiClient api, string path, string[] parameters)
    {
        var query = parameters
            .Where(name => context.Request.Query.ContainsKey(name))
            .Select(name => new KeyValuePair<string, string?>(name, context.Request.Query[name].ToString()))
            .Append(new("format", "csv"));
        try
        {
            using var response = await api.OpenCsvAsync(QueryHelpers.AddQueryString(path, query), context.RequestAborted);
            // The API's answer as it is: the CSV with its file name, or its problem (a 400 says which parameter was wrong).
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            if (response.Content.Headers.ContentDisposition is { } disposition)
            {
                context.Response.Headers.ContentDisposition = disposition.ToString();
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        catch (Exception exception) when (KasparroApiClient.IsUnreachable(exception) && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(KasparroApiClient.Unreachable, context.RequestAborted);
        }
    }
}
