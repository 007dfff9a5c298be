using Npgsql;

namespace Kasparro.Ingestion.Storage;

/// <summary>
/// The database lock that lets only one run per source exist at a time, across every process and replica:
/// a session advisory lock held on a dedicated connection for the whole run, released when the run ends
/// or, if the process dies, when PostgreSQL drops its session.
/// </summary>
public sealed class SourceLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _source;

    private SourceLock(NpgsqlConnection connection, string source)
    {
        _connection = connection;
        _source = source;
    }

    /// <summary>Takes the source's lock, or returns null at once when another run holds it.</summary>
    public static async Task<SourceLock?> TryAcquireAsync(NpgsqlDataSource dataSource, string source, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended('kasparro-etl:' || @source, 0))", connection);
            command.Parameters.AddWithValue("source", source);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                return new SourceLock(connection, source);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('kasparro-etl:' || @source, 0))", _connection);
            command.Parameters.AddWithValue("source", _source);
            await command.ExecuteScalarAsync();
        }
        catch (NpgsqlException)
        {
            // The session is gone (database restarted): PostgreSQL released the lock with it.
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
