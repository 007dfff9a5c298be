namespace Kasparro;

/// <summary>Names of the resources in the application model, shared by the AppHost and the services.</summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string Database = "kasparro";
    public const string Api = "api";
    public const string Ingestion = "ingestion";
    public const string Dashboard = "dashboard";
}
