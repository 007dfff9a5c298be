namespace Kasparro.Dashboard.Api;

/// <summary>The drift kinds the API filters on.</summary>
public static class DriftKinds
{
    public static readonly IReadOnlyList<string> All = ["missing_required", "missing_optional", "unknown_field", "renamed"];
}
