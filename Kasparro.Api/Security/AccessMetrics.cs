using System.Diagnostics.Metrics;

namespace Kasparro.Api.Security;

/// <summary>Counts refused credentials for <c>/metrics</c> (<c>kasparro_api_rejected_credentials_total</c>), by scheme and reason.</summary>
public sealed class AccessMetrics
{
    private readonly Counter<long> _rejected;

    public AccessMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(TelemetryNames.Api);
        _rejected = meter.CreateCounter<long>("kasparro.api.rejected_credentials", "{credential}", "API keys, scheduler tokens and bearer tokens refused, by scheme and reason");
    }

    /// <summary>One refused credential.</summary>
    public void Rejected(string scheme, string reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("scheme", scheme), new KeyValuePair<string, object?>("reason", reason));
}
