using Kasparro.Data.Entities;

namespace Kasparro.Api.Security;

/// <summary>The API's roles (API keys carry one; users forwarded by the dashboard map onto them) and its policies.</summary>
public static class ApiRoles
{
    /// <summary>May read every GET endpoint.</summary>
    public const string Reader = ApiKeyRoles.Reader;

    /// <summary>May read and act: trigger runs, edit alert rules and later actions.</summary>
    public const string Operator = ApiKeyRoles.Operator;
}

/// <summary>Authorization policy names.</summary>
public static class ApiPolicies
{
    /// <summary>Reading: the fallback policy of every endpoint that names none (reader or operator, or anonymous when <c>Api:AllowAnonymousRead</c>).</summary>
    public const string Read = "read";

    /// <summary>Acting: every endpoint that changes something (operator only).</summary>
    public const string Operator = "operator";

    /// <summary><c>/metrics</c>: operator, or anonymous in Development.</summary>
    public const string Metrics = "metrics";
}

/// <summary>Claim types the API's authentication handlers set beside the name and the role.</summary>
public static class ApiClaims
{
    /// <summary>Who acted, as runs and audit lines name them: <c>api-key:NAME</c>, <c>scheduler</c>, <c>dashboard:alice</c>.</summary>
    public const string Actor = "kasparro:actor";

    /// <summary>The API key's id (its rate-limit partition).</summary>
    public const string KeyId = "kasparro:key_id";

    /// <summary>The API key's own requests per minute, when it has one.</summary>
    public const string KeyRateLimit = "kasparro:key_rate_limit";
}
