using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.AppHost.Postgres;

/// <summary>Adds the Kasparro database in the mode that configuration asks for.</summary>
public static class DatabaseResourceBuilderExtensions
{
    private const string HealthCheckName = "postgres-executable-ready";

    public static KasparroDatabase AddKasparroDatabase(this IDistributedApplicationBuilder builder)
    {
        var mode = ResolveMode(builder);
        return mode switch
        {
            PostgresMode.Container => AddContainer(builder),
            PostgresMode.Executable => AddExecutable(builder),
            PostgresMode.External => new KasparroDatabase(builder.AddConnectionString(ResourceNames.Database), null),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>References the database and, when the AppHost runs the server, waits for it to be healthy.</summary>
    public static IResourceBuilder<T> WithDatabase<T>(this IResourceBuilder<T> resource, KasparroDatabase database)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        resource.WithReference(database.ConnectionString);
        return database.Server is null ? resource : resource.WaitFor(database.Server);
    }

    private static PostgresMode ResolveMode(IDistributedApplicationBuilder builder)
    {
        // The deployment manifest always describes the container (or an external server); never a local binary.
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.Configuration.GetValue<PostgresMode?>("Postgres:Mode") == PostgresMode.External
                ? PostgresMode.External
                : PostgresMode.Container;
        }

        var configured = builder.Configuration.GetValue("Postgres:Mode", PostgresMode.Auto);
        if (configured != PostgresMode.Auto)
        {
            return configured;
        }

        if (ContainerRuntimeAnswers(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker"))
        {
            return PostgresMode.Container;
        }

        if (LocalPostgresCluster.FindBinDirectory() is not null)
        {
            return PostgresMode.Executable;
        }

        throw new InvalidOperationException(
            "No way to run PostgreSQL: no container runtime answered and no PostgreSQL server binaries were found. " +
            "Install Docker or Podman, or the PostgreSQL server (Debian: apt-get install postgresql-15), " +
            "or set Postgres:Mode=external and ConnectionStrings:kasparro.");
    }

    private static KasparroDatabase AddContainer(IDistributedApplicationBuilder builder)
    {
        var server = builder.AddPostgres(ResourceNames.Postgres);
        if (builder.ExecutionContext.IsRunMode)
        {
            server.WithDataVolume();
        }

        return new KasparroDatabase(server.AddDatabase(ResourceNames.Database), server);
    }

    private static KasparroDatabase AddExecutable(IDistributedApplicationBuilder builder)
    {
        var binDirectory = LocalPostgresCluster.FindBinDirectory() ?? throw new InvalidOperationException(
            "Postgres:Mode=executable needs the PostgreSQL server binaries (initdb, postgres) on PATH or under /usr/lib/postgresql/*/bin.");
        var data = LocalDataDirectory.Choose(builder.Configuration["Postgres:DataDirectory"], builder.AppHostDirectory, LocalPostgresCluster.RunningAsRoot);
        var dataDirectory = data.Path;
        // Before the orchestrator's own lines, so a newcomer sees where the database lives (and why, when it moved).
        Console.WriteLine(data.MovedBecause is null
            ? $"PostgreSQL (local binaries) keeps its data in {dataDirectory}"
            : $"PostgreSQL (local binaries) keeps its data in {dataDirectory}: {data.MovedBecause}. Set Postgres:DataDirectory to choose another folder.");
        var port = builder.Configuration.GetValue<int?>("Postgres:Port") ?? LocalPostgresCluster.FindFreePort();

        var passwordValue = builder.Configuration["Parameters:postgres-password"] ?? LocalPassword(dataDirectory);
        var password = builder.AddParameter("postgres-password", passwordValue, secret: true);

        var cluster = new LocalPostgresCluster(dataDirectory, binDirectory);
        if (!cluster.IsInitialized)
        {
            cluster.Initialize(passwordValue);
        }

        var (fileName, arguments) = cluster.ServerCommand(port);
        var server = builder.AddExecutable(ResourceNames.Postgres, fileName, Path.GetDirectoryName(cluster.DataDirectory)!, arguments)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck(HealthCheckName);

        var maintenance = $"Host=127.0.0.1;Port={port};Username={LocalPostgresCluster.SuperUser};Password={passwordValue};Database=postgres;Timeout=3";
        builder.Services.AddHealthChecks().AddNpgSql(maintenance, name: HealthCheckName);

        var database = builder.AddConnectionString(ResourceNames.Database, ReferenceExpression.Create(
            $"Host=127.0.0.1;Port={port.ToString(System.Globalization.CultureInfo.InvariantCulture)};Username={LocalPostgresCluster.SuperUser};Password={password};Database={ResourceNames.Database}"));
        return new KasparroDatabase(database, server);
    }

    /// <summary>
    /// The superuser password of the local cluster: generated once and kept beside the data folder
    /// (mode 600), never in the repository. Set Parameters:postgres-password to choose it instead.
    /// </summary>
    private static string LocalPassword(string dataDirectory)
    {
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDirectory))!, "password");
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        File.WriteAllText(file, password);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return password;
    }

    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
