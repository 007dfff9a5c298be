namespace Kasparro;

/// <summary>Names of the custom OpenTelemetry meters and activity sources the services emit.</summary>
public static class TelemetryNames
{
    /// <summary>Meter and activity source of the ETL pipeline (runs, records, retries, spans).</summary>
    public const string Etl = "Kasparro.Etl";

    /// <summary>Meter of the REST API's own metrics.</summary>
    public const string Api = "Kasparro.Api";

    /// <summary>Meter of the dashboard's own metrics (failed sign-ins).</summary>
    public const string Dashboard = "Kasparro.Dashboard";
}
