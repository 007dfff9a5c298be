using Microsoft.Extensions.Options;
using Npgsql;

namespace Kasparro.Ingestion.ChangeFeed;

/// <summary>
/// Keeps <c>change_log</c> bounded: every <see cref="ChangeLogOptions.TrimInterval"/> deletes the rows older than
/// <see cref="ChangeLogOptions.LogRetention"/>, a bounded chunk per statement so a long backlog never holds the
/// writers' lock for long. Several replicas trimming at once is harmless.
/// </summary>
public sealed partial class ChangeLogTrimmer(NpgsqlDataSource dataSource, IOptions<ChangeLogOptions> options, TimeProvider clock, ILogger<ChangeLogTrimmer> logger)
    : BackgroundService
{
    private const int RowsPerStatement = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TrimInterval, clock);
        do
        {
            try
            {
                await TrimAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            // The schema may not be migrated yet, or the database away for a moment: the next tick tries again.
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                LogTrimFailed(logger, exception.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>Deletes every row older than the retention; returns how many.</summary>
    public async Task<long> TrimAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow() - options.Value.LogRetention;
        long deleted = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand("""
                DELETE FROM change_log
                 WHERE id IN (SELECT id FROM change_log WHERE created_at < $1 ORDER BY id LIMIT $2)
                """);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = RowsPerStatement });
            var rows = await command.ExecuteNonQueryAsync(cancellationToken);
            deleted += rows;
            if (rows < RowsPerStatement)
            {
                return deleted;
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trimming the change log failed ({Reason}); trying again at the next interval")]
    private static partial void LogTrimFailed(ILogger logger, string reason);
}
