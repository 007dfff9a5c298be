using Kasparro.Data.Operations;
using Kasparro.Ingestion.Quality;

namespace Kasparro.Ingestion.Sources;

/// <summary>What a source needs from the run that reads it.</summary>
public sealed class SourceReadContext(long runId, IReadOnlyDictionary<string, string?> checkpoints, DateTimeOffset startedAt)
{
    public long RunId { get; } = runId;

    /// <summary>Committed checkpoint positions of this source, by key.</summary>
    public IReadOnlyDictionary<string, string?> Checkpoints { get; } = checkpoints;

    /// <summary>When the run started: the ingestion time given to records without their own timestamp.</summary>
    public DateTimeOffset StartedAt { get; } = startedAt;

    public SchemaDriftDetector DriftDetector { get; } = new();

    /// <summary>The source's <c>OnDrift</c> policy; under <see cref="DriftPolicy.Quarantine"/> the source rejects records with breaking drift.</summary>
    public DriftPolicy OnDrift { get; init; } = DriftPolicy.Evolve;

    /// <summary>Drift seen while reading; the runner writes it with each batch.</summary>
    public DriftAccumulator Drift { get; } = new();
}
