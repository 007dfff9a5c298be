using System.Net.Sockets;
using System.Text;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>
/// A client of <c>GET /stream</c> on a bare socket with a tiny receive buffer, that reads only when told to: the
/// slow reader HttpClient cannot be (it keeps reading into its own buffers).
/// </summary>
public sealed class RawStreamClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawStreamClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawStreamClient> ConnectAsync(Uri baseAddress, string pathAndQuery = "/stream")
    {
        var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var client = new RawStreamClient(tcp);
        var request = Encoding.ASCII.GetBytes($"GET {pathAndQuery} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAccept: text/event-stream\r\n\r\n");
        await client._stream.WriteAsync(request);
        return client;
    }

    /// <summary>Reads until the server closes the connection (or <paramref name="timeout"/>); the raw text.</summary>
    public async Task<string> ReadToEndAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var text = new StringBuilder();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, cancel.Token)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // Aborted by the server: what was read is the answer.
        }
        catch (OperationCanceledException)
        {
            // Still open: the assertions say what was missing.
        }

        return text.ToString();
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
