using System.ComponentModel.DataAnnotations;

namespace Kasparro.Api.History;

/// <summary>
/// The <c>HistoryCache</c> section: the API keeps bucketed history responses (gzip-compressed) in memory and drops an
/// asset's as soon as PostgreSQL reports that its history changed (see <see cref="HistoryChangeListener"/>).
/// </summary>
public sealed class HistoryCacheOptions
{
    public const string Section = "HistoryCache";

    /// <summary>
    /// Memory for cached responses, in megabytes; 0 turns the cache off. A year of hourly points from two sources
    /// (17,520 points) is ~2.3 MB of JSON and ~0.4 MB compressed, so the default holds ~600 such responses. The plain
    /// copies of <c>format=columns</c> documents kept for clients that refuse gzip (~1.1 MB such a year) count here too.
    /// </summary>
    [Range(0, 64 * 1024)]
    public int SizeLimitMegabytes { get; set; } = 256;

    /// <summary>
    /// The longest a response is served from memory. Changes made through the database arrive as notifications
    /// within milliseconds; this bounds staleness should a change ever bypass them (say, triggers disabled by hand).
    /// A document asked for in the last quarter of its age is rendered again in the background before it expires, so
    /// N documents read steadily cost N / (0.75 x this) renderings a second: an hour keeps that to a few a second for
    /// the 17,500 documents of 3,500 assets (at 300 s they would take a core, docs/performance.md, "the plain year reads' tail was the cache's age").
    /// </summary>
    [Range(1, 24 * 3600)]
    public int MaxAgeSeconds { get; set; } = 3600;
}
