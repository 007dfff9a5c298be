using System.Net.Http.Headers;
using System.Text.Json;

namespace Kasparro.Api.Tests;

/// <summary>Reads API responses as raw JSON, so tests check the wire shape rather than our own contract types.</summary>
public static class ApiJson
{
    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, int expectedStatus = 200)
    {
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"GET {url}: expected {expectedStatus}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<(int Status, JsonElement Body, HttpResponseHeaders Headers, string? ContentType)> SendJsonAsync(this HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var json = body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
        return ((int)response.StatusCode, json, response.Headers, response.Content.Headers.ContentType?.MediaType);
    }

    public static IEnumerable<string> Ids(this JsonElement page, string property = "id") =>
        page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty(property).ToString());
}
