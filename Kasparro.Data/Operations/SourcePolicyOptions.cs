using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kasparro.Data.Operations;

/// <summary>What a source does when its payloads drift in a breaking way (<c>Sources:{name}:OnDrift</c>).</summary>
public enum DriftPolicy
{
    /// <summary>Today's behaviour: records missing a required field are quarantined, everything else is stored; drift is recorded.</summary>
    Evolve,
    /// <summary>Every record that shows breaking drift is quarantined with the drift as its reason.</summary>
    Quarantine,
    /// <summary>The first batch with breaking drift stops the source (nothing of it is written) until an operator resumes it.</summary>
    Pause,
}

/// <summary>dbt-style freshness targets of one source: the age of its last successful run that makes it warn, then error.</summary>
public sealed class FreshnessTargets
{
    public TimeSpan WarnAfter { get; set; }

    public TimeSpan ErrorAfter { get; set; }
}

/// <summary>
/// The operator policies of one source, configuration section <c>Sources:{name}</c> (<c>OnDrift</c>, <c>Freshness:WarnAfter</c>,
/// <c>Freshness:ErrorAfter</c>), as named options per source name. Ingestion and the API bind the same section, so both
/// judge freshness by the same targets (the AppHost forwards <c>Sources</c> to both).
/// </summary>
public sealed class SourcePolicyOptions
{
    public const string Section = "Sources";

    public DriftPolicy OnDrift { get; set; } = DriftPolicy.Evolve;

    public FreshnessTargets Freshness { get; set; } = new();

    /// <summary>The source's default freshness targets, from its catalog entry (<see cref="SourceNames.Catalog"/>).</summary>
    public static FreshnessTargets DefaultFreshness(string source)
    {
        var info = SourceNames.Info(source);
        return new FreshnessTargets { WarnAfter = info.WarnAfter, ErrorAfter = info.ErrorAfter };
    }

    /// <summary>Registers the options of every source in <see cref="SourceNames.All"/>, with defaults, validated at start.</summary>
    public static void Register(IServiceCollection services)
    {
        foreach (var source in SourceNames.All)
        {
            services.AddOptions<SourcePolicyOptions>(source)
                .Configure(o => o.Freshness = DefaultFreshness(source))
                .BindConfiguration($"{Section}:{source}")
                .Validate(o => o.Freshness.WarnAfter > TimeSpan.Zero && o.Freshness.WarnAfter < o.Freshness.ErrorAfter,
                    $"{Section}:{source}:Freshness: WarnAfter must be positive and less than ErrorAfter")
                .Validate(o => Enum.IsDefined(o.OnDrift), $"{Section}:{source}:OnDrift must be evolve, quarantine or pause")
                .ValidateOnStart();
        }

        services.AddSingleton<SourcePolicies>();
    }
}

/// <summary>The effective <see cref="SourcePolicyOptions"/> of each source, by source name.</summary>
public sealed class SourcePolicies(IOptionsMonitor<SourcePolicyOptions> options)
{
    public SourcePolicyOptions For(string source) => options.Get(source);

    /// <summary>The freshness of a source whose last success is <paramref name="lastSuccess"/>: ok, warn or error (never run: error).</summary>
    public string FreshnessOf(string source, DateTimeOffset? lastSuccess, DateTimeOffset now) =>
        FreshnessStatus.Classify(For(source).Freshness, lastSuccess, now);
}

/// <summary>The freshness statuses, dbt's words.</summary>
public static class FreshnessStatus
{
    public const string Ok = "ok";
    public const string Warn = "warn";
    public const string Error = "error";

    /// <summary>Ok below WarnAfter, warn from WarnAfter, error from ErrorAfter (boundaries inclusive, as dbt's "after").</summary>
    public static string Classify(FreshnessTargets targets, DateTimeOffset? lastSuccess, DateTimeOffset now) => lastSuccess switch
    {
        null => Error,
        var last when now - last >= targets.ErrorAfter => Error,
        var last when now - last >= targets.WarnAfter => Warn,
        _ => Ok,
    };
}
