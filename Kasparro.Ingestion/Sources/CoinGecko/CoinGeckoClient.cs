using System.Globalization;
using System.Text.Json;
using Kasparro.Ingestion.Upstream;

namespace Kasparro.Ingestion.Sources.CoinGecko;

/// <summary>Typed client of the CoinGecko API (base URL, key header and User-Agent come from <c>Sources:CoinGecko</c>).</summary>
public sealed class CoinGeckoClient(HttpClient http)
{
    /// <summary><c>GET /coins/markets</c>: one page, by market cap descending; an empty array is past the last page.</summary>
    public async Task<JsonDocument> GetMarketsPageAsync(int page, int perPage, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"coins/markets?vs_currency=usd&order=market_cap_desc&per_page={perPage}&page={page}");
        using var response = await http.GetAsync(path, cancellationToken);
        return await UpstreamResponses.ReadJsonArrayAsync(response, $"CoinGecko /coins/markets page {page}", cancellationToken);
    }

    /// <summary><c>GET /coins/{id}/market_chart</c>: past prices, market caps and volumes.</summary>
    public Task<JsonDocument> GetMarketChartAsync(string coinId, int days, CancellationToken cancellationToken) =>
        GetChartAsync(coinId, string.Create(CultureInfo.InvariantCulture, $"coins/{Uri.EscapeDataString(coinId)}/market_chart?vs_currency=usd&days={days}"), cancellationToken);

    /// <summary><c>market_chart/range</c>: the points between two instants (epoch seconds; hourly up to a 90-day span, daily beyond).</summary>
    public Task<JsonDocument> GetMarketChartRangeAsync(string coinId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        GetChartAsync(coinId, string.Create(CultureInfo.InvariantCulture,
            $"coins/{Uri.EscapeDataString(coinId)}/market_chart/range?vs_currency=usd&from={from.ToUnixTimeSeconds()}&to={to.ToUnixTimeSeconds()}"), cancellationToken);

    private async Task<JsonDocument> GetChartAsync(string coinId, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        var document = await UpstreamResponses.ReadJsonAsync(response, $"CoinGecko market chart of {coinId}", cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new UpstreamException($"CoinGecko market chart of {coinId} is not a JSON object.");
        }

        return document;
    }
}
