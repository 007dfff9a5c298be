namespace Kasparro.Dashboard.Security;

/// <summary>The dashboard's roles, which are also its authorization policy names.</summary>
public static class DashboardRoles
{
    /// <summary>May see every page.</summary>
    public const string Viewer = "viewer";

    /// <summary>May also act: Run now, alert rules, later actions.</summary>
    public const string Operator = "operator";
}
