using Npgsql;

namespace Kasparro.Tests.Api;

/// <summary>
/// Brings a test database's Quartz tables to the schema of the Quartz version we reference, from the script that
/// ships inside Quartz.dll. Needed while the QuartzJobStore migration in Kasparro.Data still creates an older
/// Quartz schema (no qrtz_paused_job_grps, missing 4.x columns), which Quartz 4.7 refuses at start; a no-op once
/// that migration creates the current schema.
/// </summary>
public static class QuartzSchema
{
    private const string Script = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    public static async Task EnsureCurrentAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var probe = new NpgsqlCommand("SELECT to_regclass('qrtz_paused_job_grps') IS NOT NULL", connection))
        {
            if ((bool)(await probe.ExecuteScalarAsync())!)
            {
                return;
            }
        }

        await using (var drop = new NpgsqlCommand("""
            DROP TABLE IF EXISTS qrtz_fired_triggers, qrtz_paused_trigger_grps, qrtz_scheduler_state, qrtz_locks,
                qrtz_simple_triggers, qrtz_cron_triggers, qrtz_simprop_triggers, qrtz_blob_triggers, qrtz_triggers,
                qrtz_job_details, qrtz_calendars CASCADE
            """, connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream(Script)
            ?? throw new InvalidOperationException($"{Script} is not embedded in this Quartz version.");
        var sql = await new StreamReader(stream).ReadToEndAsync();
        // Statements are separated by a line reading exactly "--;;" (the header comment mentions it too, quoted).
        foreach (var statement in System.Text.RegularExpressions.Regex.Split(sql, @"^--;;\r?$", System.Text.RegularExpressions.RegexOptions.Multiline))
        {
            var text = statement.Replace("{0}", "qrtz_", StringComparison.Ordinal).Replace("{1}", "qrtz_", StringComparison.Ordinal);
            if (text.Split('\n').All(line => line.TrimStart().StartsWith("--", StringComparison.Ordinal) || line.Trim().Length == 0))
            {
                continue;
            }

            await using var command = new NpgsqlCommand(text, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
