using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kasparro.Ingestion.Schema;

/// <summary>Whether the schema has been applied; read by the readiness check and by the scheduler start.</summary>
public sealed class SchemaState : IHealthCheck
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _lastError;

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Completes when the schema is up to date.</summary>
    public Task WhenReady => _ready.Task;

    public void MarkReady() => _ready.TrySetResult();

    public void MarkFailed(string error) => _lastError = error;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsReady
            ? HealthCheckResult.Healthy("Schema is up to date.")
            : HealthCheckResult.Unhealthy(_lastError is null ? "Applying migrations." : $"Migrations not applied yet: {_lastError}"));
}
