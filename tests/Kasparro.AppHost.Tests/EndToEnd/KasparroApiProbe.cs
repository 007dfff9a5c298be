using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>A run as <c>GET /runs</c> reports it (the fields these tests read).</summary>
public sealed record RunRow(long Id, string Source, string Status, string? TriggerId, int Quarantined, string? ErrorMessage)
{
    public bool IsFinished => Status != "running";
}

/// <summary>One asset as <c>GET /assets</c> lists it.</summary>
public sealed record AssetRow(string Id, string Symbol, string Name, int SourceCount);

/// <summary>Which source id stands for an asset in a source (<c>GET /assets/{id}</c> mappings).</summary>
public sealed record AssetMappingRow(string Source, string SourceId);

/// <summary>
/// The test's view of the real API: reads runs and assets and asks for ETL runs, the way an operator would.
/// It is a test client for the stack, not a substitute for any part of it.
/// </summary>
public sealed class KasparroApiProbe(HttpClient api, string schedulerToken)
{
    public static readonly string[] SnapshotSources = ["coinpaprika", "coingecko", "csv"];
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Page<T>(List<T> Data);
    private sealed record Trigger(string TriggerId);
    private sealed record AssetDetail(List<AssetMappingRow> Mappings);

    public async Task<IReadOnlyList<RunRow>> RunsAsync(string? triggerId = null, int limit = 200)
    {
        var query = $"/runs?limit={limit}" + (triggerId is null ? "" : $"&trigger_id={Uri.EscapeDataString(triggerId)}");
        var page = await api.GetFromJsonAsync<Page<RunRow>>(query, Json);
        return page!.Data;
    }

    public async Task<IReadOnlyList<AssetRow>> AssetsAsync(string query)
    {
        var page = await api.GetFromJsonAsync<Page<AssetRow>>($"/assets?q={Uri.EscapeDataString(query)}", Json);
        return page!.Data;
    }

    public async Task<IReadOnlyList<AssetMappingRow>> MappingsAsync(string assetId)
    {
        var detail = await api.GetFromJsonAsync<AssetDetail>($"/assets/{Uri.EscapeDataString(assetId)}", Json);
        return detail!.Mappings;
    }

    /// <summary>The one asset with this ticker that every snapshot source maps to.</summary>
    public async Task<string> AssetInEverySourceAsync(string symbol)
    {
        var assets = await AssetsAsync(symbol);
        var shared = assets.Where(a => a.Symbol.Equals(symbol, StringComparison.OrdinalIgnoreCase) && a.SourceCount >= SnapshotSources.Length).ToList();
        return shared.Count == 1
            ? shared[0].Id
            : throw new InvalidOperationException($"Expected one {symbol} asset mapped by all three sources, found: {JsonSerializer.Serialize(assets, Json)}");
    }

    /// <summary>Waits until every snapshot source has a finished run (optionally of one trigger); fails on a failed run.</summary>
    public async Task<IReadOnlyList<RunRow>> WaitForFinishedRunsAsync(string? triggerId, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        IReadOnlyList<RunRow> runs = [];
        while (!deadline.IsCancellationRequested)
        {
            runs = await RunsAsync(triggerId);
            if (SnapshotSources.All(source => runs.Any(r => r.Source == source && r.IsFinished)))
            {
                var failed = runs.Where(r => r.Status == "failed").ToList();
                return failed.Count == 0
                    ? runs
                    : throw new InvalidOperationException($"ETL runs failed: {string.Join("; ", failed.Select(r => $"#{r.Id} {r.Source}: {r.ErrorMessage}"))}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        throw new TimeoutException($"No finished run of every source after {timeout}; runs so far: {JsonSerializer.Serialize(runs, Json)}");
    }

    /// <summary>POST /trigger-etl for every snapshot source; waits out a 409 (a scheduled run in progress).</summary>
    public async Task<string> TriggerAllAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/trigger-etl");
            request.Headers.Add("X-Scheduler-Token", schedulerToken);
            using var response = await api.SendAsync(request, deadline.Token);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
                continue;
            }

            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /trigger-etl answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(deadline.Token)}");
            }

            var trigger = await response.Content.ReadFromJsonAsync<Trigger>(Json, deadline.Token);
            return trigger!.TriggerId;
        }
    }
}
