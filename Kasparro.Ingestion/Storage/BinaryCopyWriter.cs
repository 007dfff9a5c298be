using System.Buffers;
using System.Buffers.Binary;
using Npgsql;

namespace Kasparro.Ingestion.Storage;

/// <summary>
/// Rows of a binary COPY encoded here in PostgreSQL's binary COPY format and sent through Npgsql's raw COPY stream, for
/// the COPYs of history points (a timestamptz, an integer, a boolean and numerics): the pipeline's, which carries a
/// million rows a load, its staging table's and the backfill's. Npgsql's <see cref="NpgsqlBinaryImporter"/> binds every
/// value to a parameter and encodes numerics with its general algorithm: a fifth of the pipeline's CPU at 1M rows; this
/// writes what PostgreSQL then stores identically, at a fraction of that (docs/performance.md, "Pipeline CPU: the
/// history's COPY"). The COPYs with text columns (latest records, quarantine) keep Npgsql's importer.
/// </summary>
public sealed class BinaryCopyWriter : IAsyncDisposable
{
    // A row of price_points is at most ~130 bytes (three numerics of 28 significant digits): the buffer is sent before
    // one could overflow it.
    private const int BufferSize = 64 * 1024;
    private const int RowRoom = 512;

    // PostgreSQL's timestamps count microseconds from 2000-01-01 UTC.
    private const long PostgresEpochTicks = 630_822_816_000_000_000;

    // "PGCOPY\n\xff\r\n\0", then the flags and the header extension's length, both none.
    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    private static readonly ulong[] PowersOf10 = [1, 10, 100, 1000];

    private readonly NpgsqlRawCopyStream _copy;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _length;

    private BinaryCopyWriter(NpgsqlRawCopyStream copy) => _copy = copy;

    /// <summary>Starts <c>COPY <paramref name="target"/> FROM STDIN (FORMAT BINARY)</c> on <paramref name="connection"/>.</summary>
    public static async Task<BinaryCopyWriter> BeginAsync(NpgsqlConnection connection, string target, CancellationToken cancellationToken)
    {
        var writer = new BinaryCopyWriter(await connection.BeginRawBinaryCopyAsync($"COPY {target} FROM STDIN (FORMAT BINARY)", cancellationToken));
        Header.CopyTo(writer._buffer);
        writer._length = Header.Length;
        return writer;
    }

    /// <summary>Starts a row of <paramref name="fields"/> values; sends the buffer first when a row might not fit.</summary>
    public ValueTask StartRowAsync(short fields, CancellationToken cancellationToken)
    {
        var send = _length > BufferSize - RowRoom ? SendAsync(cancellationToken) : ValueTask.CompletedTask;
        if (!send.IsCompletedSuccessfully)
        {
            return StartRowAfterSendAsync(send, fields);
        }

        send.GetAwaiter().GetResult();
        WriteInt16(fields);
        return ValueTask.CompletedTask;
    }

    private async ValueTask StartRowAfterSendAsync(ValueTask send, short fields)
    {
        await send;
        WriteInt16(fields);
    }

    /// <summary>A timestamptz, as Npgsql writes a <see cref="DateTimeOffset"/> (the extreme values are the infinities).</summary>
    public void WriteTimestampTz(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        var micros = ticks == DateTime.MaxValue.Ticks ? long.MaxValue
            : ticks == DateTime.MinValue.Ticks ? long.MinValue
            : (ticks - PostgresEpochTicks) / 10;
        WriteInt32(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), micros);
        _length += 8;
    }

    /// <summary>An integer (int4).</summary>
    public void WriteInteger(int value)
    {
        WriteInt32(4);
        WriteInt32(value);
    }

    /// <summary>A boolean.</summary>
    public void WriteBoolean(bool value)
    {
        WriteInt32(1);
        _buffer[_length++] = value ? (byte)1 : (byte)0;
    }

    /// <summary>A numeric, or NULL.</summary>
    public void WriteNumeric(decimal? value)
    {
        if (value is { } v)
        {
            WriteNumeric(v);
        }
        else
        {
            WriteInt32(-1);
        }
    }

    /// <summary>
    /// A numeric with the decimal's own scale as its display scale (1.50 stays 1.50), as Npgsql writes it: base-10000
    /// digits, the weight of the first, the sign and the scale.
    /// </summary>
    public void WriteNumeric(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        var negative = bits[3] < 0;
        // The digits after the point are padded to whole groups of four: the unscaled value times 10^padding.
        var fractionGroups = (scale + 3) / 4;
        var padding = PowersOf10[fractionGroups * 4 - scale];
        var high = (ulong)(uint)bits[2];
        var low = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];

        // Groups least significant first; up to 96 bits times 1,000 is at most 32 decimal digits: 8 groups.
        Span<short> groups = stackalloc short[8];
        var count = 0;
        if (high == 0 && low <= ulong.MaxValue / 1000)
        {
            count = AddGroups(groups, low * padding, count, fixedFour: false);
        }
        else
        {
            var whole = (((UInt128)high << 64) | low) * padding;
            var (upper, lower) = UInt128.DivRem(whole, 10_000_000_000_000_000);
            count = AddGroups(groups, (ulong)lower, count, fixedFour: upper != 0);
            count = AddGroups(groups, (ulong)upper, count, fixedFour: false);
        }

        var trailingZeros = 0;
        while (trailingZeros < count && groups[trailingZeros] == 0)
        {
            trailingZeros++;
        }

        var digits = count - trailingZeros;
        var weight = digits == 0 ? 0 : count - fractionGroups - 1;
        WriteInt32(8 + 2 * digits);
        WriteInt16((short)digits);
        WriteInt16((short)weight);
        WriteInt16(negative && digits != 0 ? unchecked((short)0x4000) : (short)0);
        WriteInt16((short)scale);
        for (var i = count - 1; i >= trailingZeros; i--)
        {
            WriteInt16(groups[i]);
        }
    }

    /// <summary>Ends the COPY (the trailer and what is left of the buffer); PostgreSQL's error for a row is thrown here.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        WriteInt16(-1);
        await SendAsync(cancellationToken);
        var buffer = _buffer;
        _buffer = [];
        ArrayPool<byte>.Shared.Return(buffer);
        await _copy.DisposeAsync();
    }

    /// <summary>A COPY not completed is cancelled: nothing of it is stored.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_buffer.Length == 0)
        {
            return;
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        try
        {
            await _copy.CancelAsync();
        }
        catch (NpgsqlException)
        {
            // The COPY had failed already (its error is what the caller sees); nothing of it was stored.
        }

        await _copy.DisposeAsync();
    }

    private static int AddGroups(Span<short> groups, ulong value, int count, bool fixedFour)
    {
        var end = fixedFour ? count + 4 : groups.Length;
        while (count < end && (value != 0 || fixedFour))
        {
            (value, var group) = Math.DivRem(value, 10_000UL);
            groups[count++] = (short)group;
        }

        return count;
    }

    private async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        await _copy.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        _length = 0;
    }

    private void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_length), value);
        _length += 2;
    }

    private void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }
}
