using System.Buffers;
using System.Security.Cryptography;

namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>
/// One pass over a CSV file's bytes before it is parsed: its SHA-256 fingerprint (the checkpoint's identity of the
/// file) and whether it is <see cref="IsPlain"/>, which decides the parser for the whole file. The bytes are read for
/// the fingerprint anyway, so the check costs a vectorized search per buffer and line.
/// </summary>
/// <param name="Fingerprint">Lower-case hex SHA-256 of the file's bytes.</param>
/// <param name="IsPlain">
/// No quote or escape character anywhere, no line longer than the field limit, no line that ends in a lone
/// <c>\r</c>: every record is then one physical line whose fields are the text between its delimiters, which Sep
/// finds exactly as CsvHelper does, and CsvHelper could raise neither bad data nor an oversized field.
/// </param>
public sealed record CsvFileScan(string Fingerprint, bool IsPlain)
{
    /// <summary>Reads <paramref name="file"/> once; <paramref name="quoting"/> are the configured quote and escape characters (ASCII).</summary>
    public static CsvFileScan Read(string file, ReadOnlyMemory<char> quoting, int maxLineLength, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var shape = new PlainShape(quoting.Span, maxLineLength);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            // Synchronous reads: the source reads on its own thread (BatchReadAhead), and an awaited read per 64 KB
            // was thread-pool hops and spinning for nothing.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sha256.AppendData(buffer, 0, read);
                shape.Observe(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new CsvFileScan(Convert.ToHexStringLower(sha256.GetHashAndReset()), shape.IsPlain);
    }

    /// <summary>Whether the bytes seen so far keep the file plain; fed buffer by buffer.</summary>
    private sealed class PlainShape
    {
        private readonly SearchValues<byte> quoting;
        private readonly int maxLineLength;
        private long lineLength;
        private bool afterCarriageReturn;
        private bool plain;

        public PlainShape(ReadOnlySpan<char> quoting, int maxLineLength)
        {
            // A non-ASCII quote could not be found byte by byte: such a configuration is never plain.
            plain = !quoting.ContainsAnyExceptInRange((char)0, (char)127);
            var bytes = new byte[quoting.Length];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)quoting[i];
            }

            this.quoting = SearchValues.Create(bytes);
            this.maxLineLength = maxLineLength;
        }

        /// <summary>Plain so far; a file whose last byte is a lone <c>\r</c> is not.</summary>
        public bool IsPlain => plain && !afterCarriageReturn;

        public void Observe(ReadOnlySpan<byte> bytes)
        {
            if (!plain)
            {
                return;
            }

            if (bytes.ContainsAny(quoting))
            {
                plain = false;
                return;
            }

            // Without a carriage return, only the lines that cross the buffer's edges can be longer than the buffer
            // (within the limit): three vectorized searches a buffer instead of one a line.
            if (!afterCarriageReturn && bytes.Length <= maxLineLength && !bytes.Contains((byte)'\r'))
            {
                var first = bytes.IndexOf((byte)'\n');
                if (first < 0)
                {
                    lineLength += bytes.Length;
                    plain = lineLength <= maxLineLength;
                    return;
                }

                plain = lineLength + first <= maxLineLength;
                lineLength = bytes.Length - 1 - bytes.LastIndexOf((byte)'\n');
                return;
            }

            while (true)
            {
                if (afterCarriageReturn)
                {
                    if (bytes.IsEmpty)
                    {
                        return;
                    }

                    afterCarriageReturn = false;
                    if (bytes[0] != (byte)'\n')
                    {
                        plain = false;
                        return;
                    }

                    bytes = bytes[1..];
                }

                var end = bytes.IndexOfAny((byte)'\r', (byte)'\n');
                // UTF-8 never has more characters than bytes, so a line within the limit in bytes is within it in characters.
                lineLength += end < 0 ? bytes.Length : end;
                if (lineLength > maxLineLength)
                {
                    plain = false;
                    return;
                }

                if (end < 0)
                {
                    return;
                }

                lineLength = 0;
                afterCarriageReturn = bytes[end] == (byte)'\r';
                bytes = bytes[(end + 1)..];
            }
        }
    }
}
