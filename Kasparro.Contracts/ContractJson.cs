using System.Text.Json;

namespace Kasparro.Contracts;

/// <summary>
/// How the contract's records look on the wire: snake_case names (the original system's clients read them), web defaults
/// (case-insensitive reads). The API writes with <see cref="NamingPolicy"/>, its clients read with <see cref="Options"/>.
/// </summary>
public static class ContractJson
{
    /// <summary>The property naming of every contract record; names that the policy would write differently carry [JsonPropertyName].</summary>
    public static JsonNamingPolicy NamingPolicy { get; } = JsonNamingPolicy.SnakeCaseLower;

    /// <summary>Options for reading (and writing) contract records outside ASP.NET Core's own JSON pipeline.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = NamingPolicy,
    };
}
