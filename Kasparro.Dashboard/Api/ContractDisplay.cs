using System.Text.Json;
using Kasparro.Contracts;

namespace Kasparro.Dashboard.Api;

/// <summary>What the dashboard reads off the API's records beyond their fields.</summary>
public static class ContractDisplay
{
    extension(AlertItem alert)
    {
        /// <summary>The one-line description the ingestion service wrote into the alert's details.</summary>
        public string? Summary => alert.Details.ValueKind == JsonValueKind.Object && alert.Details.TryGetProperty("summary", out var summary) ? summary.GetString() : null;
    }

    extension(AlertRuleItem rule)
    {
        /// <summary>Whether the rule comes from configuration (<c>origin</c> <c>config</c>): edited there only, not deletable here.</summary>
        public bool IsConfigured => rule.Origin == "config";
    }
}
