using Kasparro.Ingestion.Upstream;
using System.Text.Json;

namespace Kasparro.Ingestion.Sources.CoinPaprika;

/// <summary>Typed client of the CoinPaprika API (base URL and key come from <c>Sources:CoinPaprika</c>).</summary>
public sealed class CoinPaprikaClient(HttpClient http)
{
    /// <summary><c>GET /tickers</c>: every active coin in one unpaginated array.</summary>
    public async Task<JsonDocument> GetTickersAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("tickers", cancellationToken);
        return await UpstreamResponses.ReadJsonArrayAsync(response, "CoinPaprika /tickers", cancellationToken);
    }
}
