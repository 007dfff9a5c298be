using System.Text.Json;

namespace Kasparro.Dashboard.Api;

/// <summary>The one set of JSON options for the REST API: snake_case names, web defaults (case-insensitive reads).</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
