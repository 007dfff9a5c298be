using System.Security.Claims;

namespace Kasparro.Security;

/// <summary>
/// The <c>Authentication:RoleClaims</c> section, read by the dashboard and the API alike: which claims of the identity
/// provider's tokens (app roles, groups) make a signed-in user a viewer or an operator.
/// </summary>
public sealed class RoleClaimsOptions
{
    public const string Section = "Authentication:RoleClaims";

    /// <summary>The claim types looked at; empty means <c>roles</c> (Entra app roles) and <c>groups</c>.</summary>
    public string[] ClaimTypes { get; set; } = [];

    /// <summary>Claim values that make a viewer; empty means every signed-in user is a viewer.</summary>
    public string[] Viewer { get; set; } = [];

    /// <summary>Claim values that make an operator (who is a viewer too); empty means nobody is an operator.</summary>
    public string[] Operator { get; set; } = [];

    /// <summary>The claim types in effect.</summary>
    public IReadOnlyList<string> EffectiveClaimTypes => ClaimTypes.Length > 0 ? ClaimTypes : ["roles", "groups"];

    /// <summary>What the claims of a signed-in user's token make of them.</summary>
    public (bool IsViewer, bool IsOperator) Map(IEnumerable<Claim> claims)
    {
        var values = claims.Where(c => EffectiveClaimTypes.Contains(c.Type, StringComparer.Ordinal)).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var isOperator = Operator.Any(values.Contains);
        return (isOperator || Viewer.Length == 0 || Viewer.Any(values.Contains), isOperator);
    }
}
