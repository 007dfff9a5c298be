using System.ComponentModel.DataAnnotations;

namespace Kasparro.Ingestion.Options;

/// <summary>Configuration section <c>Etl</c>.</summary>
public sealed class EtlOptions
{
    public const string Section = "Etl";

    /// <summary>Quartz cron expression per source (e.g. <c>Etl:Schedule:coingecko</c>); a source without one is not scheduled.</summary>
    public Dictionary<string, string> Schedule { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Ask for one run of every enabled source when the service starts, so a fresh stack has data.</summary>
    public bool RunOnStart { get; set; } = true;

    /// <summary>Fault injection for demos and tests: a run fails after this many records.</summary>
    [Range(1, int.MaxValue)]
    public int? FailAfterRecords { get; set; }

    /// <summary>The longest a run may take; also the longest Retry-After a run will wait out.</summary>
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The longest single Retry-After wait honoured before the run fails with that reason.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Timeout of one HTTP attempt to an upstream, body included.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(0, 10)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>A paginated sweep that failed within this window resumes at its next page instead of page 1.</summary>
    public TimeSpan ResumeWindow { get; set; } = TimeSpan.FromMinutes(15);
}
