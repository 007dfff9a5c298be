namespace Kasparro.Api.Security;

/// <summary>The <c>Api</c> section: who may read without a key.</summary>
public sealed class ApiAccessOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Whether GET endpoints answer requests without a key. Unset means true in Development (local runs stay
    /// frictionless) and false everywhere else (fail closed).
    /// </summary>
    public bool? AllowAnonymousRead { get; set; }
}
