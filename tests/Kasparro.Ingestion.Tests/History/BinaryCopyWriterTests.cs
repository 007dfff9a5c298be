using Kasparro.Ingestion.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// The history's hand-encoded binary COPY against a real PostgreSQL: every value it writes is stored exactly as Npgsql's
/// own importer stores the same value (numerics with their scale, times to the microsecond, the infinities), and a COPY
/// given up before it completes stores nothing and leaves the connection usable.
/// </summary>
public sealed class BinaryCopyWriterTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private const string Columns = "(id integer, t timestamptz, b boolean, n numeric, m numeric)";

    [Fact]
    public async Task Every_value_is_stored_as_Npgsqls_importer_stores_it()
    {
        var rows = Rows().ToList();
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"CREATE TEMP TABLE by_writer {Columns}; CREATE TEMP TABLE by_npgsql {Columns};");

        await using (var copy = await BinaryCopyWriter.BeginAsync(connection, "by_writer (id, t, b, n, m)", CancellationToken.None))
        {
            foreach (var (id, time, flag, number, maybe) in rows)
            {
                await copy.StartRowAsync(5, CancellationToken.None);
                copy.WriteInteger(id);
                copy.WriteTimestampTz(time);
                copy.WriteBoolean(flag);
                copy.WriteNumeric(number);
                copy.WriteNumeric(maybe);
            }

            await copy.CompleteAsync(CancellationToken.None);
        }

        await using (var importer = await connection.BeginBinaryImportAsync("COPY by_npgsql (id, t, b, n, m) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (id, time, flag, number, maybe) in rows)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(id, NpgsqlDbType.Integer);
                await importer.WriteAsync(time, NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(flag, NpgsqlDbType.Boolean);
                await importer.WriteAsync(number, NpgsqlDbType.Numeric);
                await importer.WriteAsync(maybe, NpgsqlDbType.Numeric);
            }

            await importer.CompleteAsync();
        }

        // Compared as PostgreSQL holds them: numerics as text (digits and scale), times as their microsecond count.
        await using var compare = new NpgsqlCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE w.id IS NULL OR p.id IS NULL
                       OR w.t::text IS DISTINCT FROM p.t::text OR w.b IS DISTINCT FROM p.b
                       OR w.n::text IS DISTINCT FROM p.n::text OR w.m::text IS DISTINCT FROM p.m::text),
                   string_agg(CASE WHEN w.n::text IS DISTINCT FROM p.n::text OR w.m::text IS DISTINCT FROM p.m::text
                                   OR w.t::text IS DISTINCT FROM p.t::text
                              THEN format('%s: %s/%s %s/%s %s/%s', coalesce(w.id, p.id), w.n, p.n, w.m, p.m, w.t, p.t) END, '; ')
            FROM by_writer w FULL JOIN by_npgsql p ON p.id = w.id
            """, connection);
        await using var reader = await compare.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(rows.Count, reader.GetInt64(0));
        Assert.True(reader.GetInt64(1) == 0, $"rows stored differently: {(reader.IsDBNull(2) ? "" : reader.GetString(2))}");
    }

    [Fact]
    public async Task A_copy_given_up_before_it_completes_stores_nothing_and_the_connection_goes_on()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"CREATE TEMP TABLE given_up {Columns}");

        await using (var copy = await BinaryCopyWriter.BeginAsync(connection, "given_up (id, n)", CancellationToken.None))
        {
            // More than one buffer's worth, so part of it has reached the server.
            for (var id = 0; id < 5_000; id++)
            {
                await copy.StartRowAsync(2, CancellationToken.None);
                copy.WriteInteger(id);
                copy.WriteNumeric(id * 1.5m);
            }
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM given_up", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    /// <summary>Edge values of each type, then seeded random numerics of every scale and size.</summary>
    private static IEnumerable<(int Id, DateTimeOffset Time, bool Flag, decimal Number, decimal? Maybe)> Rows()
    {
        decimal[] edges =
        [
            0m, 0.00m, -0.00m, 1m, -1m, 1.50m, 0.0001m, 0.00001m, 9999m, 10000m, 10001m, 12345.6789m, 1000000000000000000000m,
            0.0000000000000000000000000001m, -0.0000000000000000000000000001m, decimal.MaxValue, decimal.MinValue,
            18446744073709551.615m, 18446744073709551.616m, 18446744073709551615m, 18446744073709551616m,
            123456789012345678.123456789m, 79228162514264337593543950.335m, 7.9228162514264337593543950335m, 0.1000m, 100.0000000m,
        ];
        DateTimeOffset[] times =
        [
            new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero), new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999),
            new DateTimeOffset(2024, 2, 29, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_567), DateTimeOffset.MinValue, DateTimeOffset.MaxValue,
            new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero),
        ];
        var id = 0;
        foreach (var edge in edges)
        {
            yield return (id, times[id % times.Length], id % 2 == 0, edge, id % 3 == 0 ? null : -edge);
            id++;
        }

        var random = new Random(17);
        for (var i = 0; i < 5_000; i++)
        {
            var scale = (byte)random.Next(0, 29);
            var number = new decimal(random.Next(), random.Next(), random.Next(0, 5) switch { 0 => 0, 1 => random.Next(0, 1000), _ => random.Next() },
                random.Next(2) == 0, scale);
            var time = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(-300_000_000_000_000, 900_000_000_000_000));
            yield return (id++, time, random.Next(2) == 0, number, random.Next(4) == 0 ? null : decimal.Round(number, random.Next(0, 9)));
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
