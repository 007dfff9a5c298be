using System.Reflection;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations;

/// <summary>
/// The Quartz.NET ADO job store tables, owned by our migrations so the schema owner creates them with everything
/// else. The DDL is the PostgreSQL script that the Quartz package itself ships for exactly the version we run, so
/// the tables always match what its job store validates at start (a hand-copied schema drifts with each release).
/// </summary>
public partial class QuartzJobStore : Migration
{
    public const string TablePrefix = "qrtz_";
    private const string ScriptResource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    private static readonly string[] Tables =
    [
        "execution_history", "misfire_history", "job_status", "fired_triggers", "paused_trigger_grps", "paused_job_grps",
        "scheduler_state", "locks", "simprop_triggers", "simple_triggers", "cron_triggers", "blob_triggers", "triggers",
        "job_details", "calendars",
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var statement in ShippedStatements())
        {
            migrationBuilder.Sql(statement);
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in Tables)
        {
            migrationBuilder.Sql($"DROP TABLE IF EXISTS {TablePrefix}{table} CASCADE;");
        }
    }

    /// <summary>The shipped script, prefix filled in, split on its statement separator (a line reading <c>--;;</c>).</summary>
    public static IEnumerable<string> ShippedStatements()
    {
        var assembly = typeof(Quartz.IScheduler).Assembly;
        using var stream = assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"{assembly.GetName()} does not ship {ScriptResource}.");
        using var reader = new StreamReader(stream);
        var script = reader.ReadToEnd().Replace("{0}", TablePrefix, StringComparison.Ordinal).Replace("{1}", TablePrefix, StringComparison.Ordinal);
        return script
            .Split(["\r\n--;;\r\n", "\n--;;\n"], StringSplitOptions.None)
            .Where(statement => statement.Split('\n').Any(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith("--", StringComparison.Ordinal)))
            .ToList();
    }
}
