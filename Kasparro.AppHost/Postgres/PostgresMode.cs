namespace Kasparro.AppHost.Postgres;

/// <summary>How the AppHost provides PostgreSQL (configuration <c>Postgres:Mode</c>).</summary>
public enum PostgresMode
{
    /// <summary>A container when a container runtime answers, else the local binaries.</summary>
    Auto,
    /// <summary>The PostgreSQL container image, with a data volume in run mode.</summary>
    Container,
    /// <summary>PostgreSQL run from the machine's own binaries, data under the AppHost's state folder.</summary>
    Executable,
    /// <summary>An existing server: <c>ConnectionStrings:kasparro</c> from configuration.</summary>
    External,
}
