using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kasparro.Security;

/// <summary>
/// The <c>Scheduler</c> section: the shared token of machine callers (cron, the AppHost's "Run ETL now", the dashboard
/// with sign-in off), sent in the <c>X-Scheduler-Token</c> header. The API requires it on operator calls and the
/// dashboard sends it; both read it from this one section and the header name from <see cref="HeaderName"/>. Unset
/// means nobody authenticates with it (the API refuses it, the dashboard's "Run now" is off).
/// </summary>
public sealed class SchedulerTokenOptions
{
    public const string Section = "Scheduler";
    /// <summary>The configuration key, as messages name it.</summary>
    public const string Setting = Section + ":" + nameof(Token);
    /// <summary>The same key as an environment variable, as the AppHost passes it.</summary>
    public const string EnvironmentVariable = Section + "__" + nameof(Token);
    public const string HeaderName = "X-Scheduler-Token";
    /// <summary>Shortest token accepted at start; the AppHost generates 32 characters.</summary>
    public const int MinLength = 16;

    /// <summary>The token; null or empty means none is configured.</summary>
    public string? Token { get; set; }

    public bool IsConfigured => !string.IsNullOrEmpty(Token);

    /// <summary>Why the configured token is unusable, or null when it is fine (or unset).</summary>
    public string? Problem() =>
        !IsConfigured ? null
        : Token!.Length < MinLength ? $"{Setting} must be at least {MinLength} characters long (or unset to turn the scheduler token off)."
        // A header value loses surrounding whitespace in transit, so such a token could never match.
        : Token.Trim().Length != Token.Length ? $"{Setting} must not start or end with whitespace."
        : null;

    /// <summary>Binds the section and refuses to start with an unusable token.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddOptions<SchedulerTokenOptions>().BindConfiguration(Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchedulerTokenOptions>, Validator>();
    }

    private sealed class Validator : IValidateOptions<SchedulerTokenOptions>
    {
        public ValidateOptionsResult Validate(string? name, SchedulerTokenOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
