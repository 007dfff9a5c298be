using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Net.Http.Headers;
using Kasparro.Contracts;
using Kasparro.Dashboard.Security;
using Kasparro.Security;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Kasparro.Dashboard.Api;

/// <summary>
/// The dashboard's only way to data: the Kasparro REST API (docs/api-contract.md), reached through service
/// discovery. Every call returns an <see cref="ApiResult{T}"/>; failures become messages, never exceptions.
/// With sign-in on, every call carries the signed-in user's access token (<see cref="ApiCredentials"/>): the API
/// decides what the user may do, and records who triggered a run.
/// </summary>
public sealed class KasparroApiClient(HttpClient http, IOptions<KasparroApiOptions> options, IOptions<SchedulerTokenOptions> schedulerToken,
    ILogger<KasparroApiClient> logger, ApiCredentials? credentials = null, SourceCatalog? sources = null)
{
    /// <summary>
    /// Whether "Run now" can work: with sign-in on, it acts as the user (the page shows it to operators only); with
    /// sign-in off, a scheduler token must be configured for the dashboard.
    /// </summary>
    public bool CanTrigger => ActsAsUser || schedulerToken.Value.IsConfigured;

    private bool ActsAsUser => credentials?.ActsAsUser == true;

    public Task<ApiResult<Dictionary<string, SourceStats>>> GetStatsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<Dictionary<string, SourceStats>>("stats", cancellationToken);

    /// <summary><c>GET /runs</c>; <paramref name="sort"/> is the API's column key (<c>duration_ms</c>, <c>-fetched</c>), null for newest first.</summary>
    public Task<ApiResult<Page<RunItem>>> GetRunsAsync(int limit, int offset = 0, string? source = null, string? status = null, string? sort = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<RunItem>>(Query("runs", ("limit", Number(limit)), ("offset", Number(offset)), ("source", source), ("status", status), ("sort", sort)), cancellationToken);

    public Task<ApiResult<RunDetail>> GetRunAsync(long id, CancellationToken cancellationToken = default) =>
        GetAsync<RunDetail>($"runs/{Number(id)}", cancellationToken);

    public Task<ApiResult<RunComparison>> CompareRunsAsync(long runA, long runB, CancellationToken cancellationToken = default) =>
        GetAsync<RunComparison>(Query("compare-runs", ("run_a", Number(runA)), ("run_b", Number(runB))), cancellationToken);

    public Task<ApiResult<Page<AssetItem>>> SearchAssetsAsync(string? query, int limit = 20, CancellationToken cancellationToken = default) =>
        GetAsync<Page<AssetItem>>(Query("assets", ("q", string.IsNullOrWhiteSpace(query) ? null : query.Trim()), ("limit", Number(limit))), cancellationToken);

    public Task<ApiResult<AssetDetail>> GetAssetAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<AssetDetail>($"assets/{Uri.EscapeDataString(id)}", cancellationToken);

    public Task<ApiResult<AssetHistory>> GetAssetHistoryAsync(string id, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        GetAsync<AssetHistory>(Query($"assets/{Uri.EscapeDataString(id)}/history", ("from", Timestamp(from)), ("to", Timestamp(to))), cancellationToken);

    /// <summary>The asset's OHLC candles per source, <c>1h</c> or <c>1d</c> (<c>GET /assets/{id}/candles</c>).</summary>
    public Task<ApiResult<AssetCandles>> GetAssetCandlesAsync(string id, string interval, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        GetAsync<AssetCandles>(Query($"assets/{Uri.EscapeDataString(id)}/candles", ("interval", interval), ("from", Timestamp(from)), ("to", Timestamp(to))), cancellationToken);

    /// <summary>The assets rebased to 100 at the start of the range, with their statistics and correlation (<c>GET /compare/assets</c>).</summary>
    public Task<ApiResult<AssetComparison>> CompareAssetsAsync(IReadOnlyList<string> ids, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        GetAsync<AssetComparison>(Query("compare/assets", ("ids", string.Join(',', ids)), ("from", Timestamp(from)), ("to", Timestamp(to))), cancellationToken);

    public Task<ApiResult<DivergenceList>> GetDivergencesAsync(int limit, CancellationToken cancellationToken = default) =>
        GetAsync<DivergenceList>(Query("divergences", ("limit", Number(limit))), cancellationToken);

    /// <summary>Counts the snapshot records created since <paramref name="since"/> (the total of a one-row page of <c>GET /data</c>).</summary>
    public async Task<ApiResult<long>> CountRecordsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var page = await GetAsync<DataResponse>(Query("data", ("start_date", Timestamp(since)), ("limit", "1")), cancellationToken);
        return page.IsSuccess
            ? ApiResult<long>.Success(page.Value!.Pagination.Total)
            : ApiResult<long>.Failure(page.Error!, page.StatusCode);
    }

    public Task<ApiResult<Page<DriftItem>>> GetDriftAsync(string? source, string? kind, int limit, int offset = 0, CancellationToken cancellationToken = default) =>
        GetAsync<Page<DriftItem>>(Query("drift", ("source", source), ("kind", kind), ("limit", Number(limit)), ("offset", Number(offset))), cancellationToken);

    public Task<ApiResult<Page<QuarantineItem>>> GetQuarantineAsync(string? source, long? runId, int limit, int offset = 0, CancellationToken cancellationToken = default) =>
        GetAsync<Page<QuarantineItem>>(Query("quarantine", ("source", source), ("run_id", runId is null ? null : Number(runId.Value)), ("limit", Number(limit)), ("offset", Number(offset))), cancellationToken);

    public Task<ApiResult<Page<AlertItem>>> GetAlertsAsync(string? state, int limit, int offset = 0, CancellationToken cancellationToken = default) =>
        GetAsync<Page<AlertItem>>(Query("alerts", ("state", state), ("limit", Number(limit)), ("offset", Number(offset))), cancellationToken);

    public Task<ApiResult<AlertRuleList>> GetAlertRulesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<AlertRuleList>("alerts/rules", cancellationToken);

    /// <summary><c>POST /alerts/rules</c> as the signed-in user, or with the scheduler token when sign-in is off (like "Run now").</summary>
    public Task<ApiResult<AlertRuleItem>> CreateAlertRuleAsync(AlertRuleRequest draft, CancellationToken cancellationToken = default) =>
        SendWithTokenAsync<AlertRuleItem>(HttpMethod.Post, "alerts/rules", JsonContent.Create(draft, options: ContractJson.Options), cancellationToken);

    /// <summary><c>DELETE /alerts/rules/{id}</c>, credentials as for creating; succeeds with true.</summary>
    public Task<ApiResult<bool>> DeleteAlertRuleAsync(long id, CancellationToken cancellationToken = default) =>
        SendWithTokenAsync<bool>(HttpMethod.Delete, $"alerts/rules/{Number(id)}", null, cancellationToken);

    private async Task<ApiResult<T>> SendWithTokenAsync<T>(HttpMethod method, string relativeUri, HttpContent? content, CancellationToken cancellationToken)
    {
        if (!CanTrigger)
        {
            return ApiResult<T>.Failure($"Editing alert rules from the dashboard is not configured ({SchedulerTokenOptions.Setting} is not set).");
        }

        using var request = new HttpRequestMessage(method, relativeUri) { Content = content };
        await AuthorizeActionAsync(request);
        using var deadline = Deadline(cancellationToken);
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                var problem = await ReadJsonAsync<HttpValidationProblemDetails>(response, deadline.Token);
                return ApiResult<T>.Failure(Describe(response.StatusCode, problem), (int)response.StatusCode);
            }

            if (typeof(T) == typeof(bool))
            {
                return (ApiResult<T>)(object)ApiResult<bool>.Success(true);
            }

            var value = await response.Content.ReadFromJsonAsync<T>(ContractJson.Options, deadline.Token);
            return value is null ? ApiResult<T>.Failure("The API answered with an empty body.", (int)response.StatusCode) : ApiResult<T>.Success(value);
        }
        catch (Exception exception) when (IsUnreachable(exception) || exception is JsonException)
        {
            logger.LogWarning(exception, "{Method} {Uri} failed", method, relativeUri);
            return ApiResult<T>.Failure(Unreachable);
        }
    }

    /// <summary>Asks the API to run the ETL now (<c>POST /trigger-etl</c>) with the configured scheduler token.</summary>
    public async Task<TriggerOutcome> TriggerEtlAsync(string? source, CancellationToken cancellationToken = default)
    {
        if (!CanTrigger)
        {
            return new TriggerOutcome(TriggerOutcomeKind.NotConfigured, $"Running the ETL from the dashboard is not configured ({SchedulerTokenOptions.Setting} is not set).");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, Query("trigger-etl", ("source", source)));
        await AuthorizeActionAsync(request);

        using var deadline = Deadline(cancellationToken);
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            var what = source is null ? "every snapshot source" : Sources.DisplayName(source);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Accepted:
                    var accepted = await ReadJsonAsync<TriggerAccepted>(response, deadline.Token);
                    return new TriggerOutcome(TriggerOutcomeKind.Accepted, $"Queued a run of {what}. It appears in the history when it starts.", accepted?.TriggerId);
                case HttpStatusCode.Conflict:
                    var conflict = await ReadJsonAsync<TriggerConflict>(response, deadline.Token);
                    var running = conflict?.RunningRun is { } run ? $" (run #{run.Id} started {run.StartedAt:HH:mm:ss} UTC)" : "";
                    return new TriggerOutcome(TriggerOutcomeKind.AlreadyRunning, $"A run of {what} is already running or queued{running}. Try again when it has finished.");
                case HttpStatusCode.Unauthorized:
                    return new TriggerOutcome(TriggerOutcomeKind.Unauthorized, ActsAsUser
                        ? "The API did not accept your sign-in (it may have expired). Reload the page to sign in again."
                        : $"The API rejected the dashboard's scheduler token. Check that {SchedulerTokenOptions.Setting} is the same for the dashboard and the API.");
                case HttpStatusCode.Forbidden:
                    return new TriggerOutcome(TriggerOutcomeKind.Refused, ActsAsUser
                        ? "The API refuses: you are not an operator."
                        : "The API refuses manual runs: no scheduler token is configured on the API.");
                default:
                    var problem = await ReadJsonAsync<HttpValidationProblemDetails>(response, deadline.Token);
                    return new TriggerOutcome(TriggerOutcomeKind.Failed, $"The API could not queue the run ({(int)response.StatusCode}{(problem?.Detail ?? problem?.Title) switch { null => "", var text => ": " + text }}).");
            }
        }
        catch (Exception exception) when (IsUnreachable(exception) || exception is JsonException)
        {
            logger.LogWarning(exception, "POST /trigger-etl failed");
            return new TriggerOutcome(TriggerOutcomeKind.Failed, Unreachable);
        }
    }

    public Task<ApiResult<SourceControlList>> GetSourcesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<SourceControlList>("sources", cancellationToken);

    /// <summary>The source list the API sent (names, display names, colours by position).</summary>
    public SourceCatalog Sources { get; } = sources ?? new SourceCatalog();

    /// <summary>Reads the source list from <c>GET /sources</c> once; while the API cannot answer, sources show under their tags.</summary>
    public async Task LoadSourcesAsync(CancellationToken cancellationToken = default)
    {
        if (Sources.IsLoaded)
        {
            return;
        }

        var result = await GetSourcesAsync(cancellationToken);
        if (result.IsSuccess)
        {
            Sources.Use(result.Value!.Items);
        }
    }

    /// <summary>Resumes a source paused by breaking drift (<c>POST /sources/{source}/resume</c>) with the configured scheduler token.</summary>
    public async Task<ResumeOutcome> ResumeSourceAsync(string source, CancellationToken cancellationToken = default)
    {
        if (!CanTrigger)
        {
            return new ResumeOutcome(false, $"Resuming sources from the dashboard is not configured ({SchedulerTokenOptions.Setting} is not set).");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"sources/{Uri.EscapeDataString(source)}/resume");
        await AuthorizeActionAsync(request);
        using var deadline = Deadline(cancellationToken);
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            if (response.IsSuccessStatusCode)
            {
                return new ResumeOutcome(true, $"{Sources.DisplayName(source)} resumed: its next scheduled run reads it again.");
            }

            var problem = await ReadJsonAsync<HttpValidationProblemDetails>(response, deadline.Token);
            return new ResumeOutcome(false, $"The API did not resume {Sources.DisplayName(source)} ({(int)response.StatusCode}{(problem?.Detail ?? problem?.Title) switch { null => "", var text => ": " + text }}).");
        }
        catch (Exception exception) when (IsUnreachable(exception) || exception is JsonException)
        {
            logger.LogWarning(exception, "POST /sources/{Source}/resume failed", source);
            return new ResumeOutcome(false, Unreachable);
        }
    }

    /// <summary>What the dashboard says when the API does not answer.</summary>
    public const string Unreachable = "The Kasparro API cannot be reached right now. Try again in a moment.";

    /// <summary>
    /// Starts the API's CSV export of <paramref name="relativeUri"/> (which carries <c>format=csv</c>) and returns as
    /// soon as the headers arrive: the caller streams the body on and disposes the response.
    /// </summary>
    public async Task<HttpResponseMessage> OpenCsvAsync(string relativeUri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, relativeUri);
        request.Headers.Accept.ParseAdd("text/csv");
        await AuthorizeAsync(request);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task<ApiResult<T>> GetAsync<T>(string relativeUri, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, relativeUri);
            await AuthorizeAsync(request);
            using var response = await http.SendAsync(request, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                var problem = await ReadJsonAsync<HttpValidationProblemDetails>(response, deadline.Token);
                return ApiResult<T>.Failure(Describe(response.StatusCode, problem), (int)response.StatusCode);
            }

            var value = await response.Content.ReadFromJsonAsync<T>(ContractJson.Options, deadline.Token);
            return value is null
                ? ApiResult<T>.Failure("The API answered with an empty body.", (int)response.StatusCode)
                : ApiResult<T>.Success(value);
        }
        catch (JsonException exception)
        {
            logger.LogWarning(exception, "GET {Uri} returned JSON the dashboard could not read", relativeUri);
            return ApiResult<T>.Failure("The API answered in a shape the dashboard does not understand.");
        }
        catch (Exception exception) when (IsUnreachable(exception))
        {
            logger.LogWarning(exception, "GET {Uri} failed", relativeUri);
            return ApiResult<T>.Failure(Unreachable);
        }
    }

    /// <summary>Adds the signed-in user's access token, when the dashboard acts as a user.</summary>
    private async Task AuthorizeAsync(HttpRequestMessage request)
    {
        if (ActsAsUser && await credentials!.AccessTokenAsync() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>
    /// Credentials for an acting call (trigger, alert rules, resume): the signed-in user's token, so the API decides by
    /// the user's own role and records who acted; with sign-in off (local runs), the configured scheduler token. A
    /// browser session with sign-in on never uses the scheduler token.
    /// </summary>
    private async Task AuthorizeActionAsync(HttpRequestMessage request)
    {
        if (ActsAsUser)
        {
            await AuthorizeAsync(request);
        }
        else
        {
            request.Headers.Add(SchedulerTokenOptions.HeaderName, schedulerToken.Value.Token);
        }
    }

    /// <summary>Network failures, timeouts and the resilience pipeline giving up (open circuit, total timeout).</summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is HttpRequestException or TaskCanceledException or TimeoutException or Polly.ExecutionRejectedException;

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.RequestTimeout);
        return deadline;
    }

    private static string Describe(HttpStatusCode status, HttpValidationProblemDetails? problem)
    {
        var detail = problem?.Errors is { Count: > 0 } errors
            ? string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))
            : problem?.Detail ?? problem?.Title;
        return status switch
        {
            HttpStatusCode.NotFound => detail ?? "Not found.",
            HttpStatusCode.BadRequest => $"The API rejected the request: {detail ?? "bad request"}.",
            HttpStatusCode.ServiceUnavailable => "The API is up but its database is unavailable.",
            _ => $"The API answered {(int)status}{(detail is null ? "" : ": " + detail)}.",
        };
    }

    private static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ContractJson.Options, cancellationToken);
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>
    /// The contract gives a run's detail both the run's <c>quarantined</c> count and a <c>quarantined</c> list of
    /// records; accept either reading (and a nested <c>run</c> object) so the page works with both.
    /// </summary>

    private static string Query(string path, params (string Name, string? Value)[] parameters) =>
        QueryHelpers.AddQueryString(path, parameters.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)));

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A time as the API queries take it (UTC, to the second).</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
