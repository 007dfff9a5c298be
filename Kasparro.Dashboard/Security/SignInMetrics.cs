using System.Diagnostics.Metrics;

namespace Kasparro.Dashboard.Security;

/// <summary>Counts failed sign-ins for <c>/metrics</c> (<c>kasparro_dashboard_failed_sign_ins_total</c>).</summary>
public sealed class SignInMetrics
{
    private readonly Counter<long> _failed;

    public SignInMetrics(IMeterFactory meters) =>
        _failed = meters.Create(TelemetryNames.Dashboard).CreateCounter<long>("kasparro.dashboard.failed_sign_ins", "{sign-in}", "Sign-ins that failed at the identity provider or on return");

    public void Failed() => _failed.Add(1);
}
