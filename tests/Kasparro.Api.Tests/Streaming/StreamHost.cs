using Kasparro.Api.Streaming;
using Microsoft.Extensions.DependencyInjection;

namespace Kasparro.Api.Tests.Streaming;

/// <summary>The real API on Kestrel (a real socket, so back-pressure and client IPs are real) against a test database.</summary>
public sealed class StreamHost : IAsyncDisposable
{
    private readonly ApiFactory _factory;

    private StreamHost(ApiFactory factory)
    {
        _factory = factory;
        // Listen on a free loopback port (UseKestrel(0) rewrites the server's addresses, which races with the start).
        _factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        _factory.StartServer();
        Client = _factory.CreateClient();
        Client.Timeout = Timeout.InfiniteTimeSpan;
    }

    public HttpClient Client { get; }

    public ChangeFeed Feed => _factory.Services.GetRequiredService<ChangeFeed>();

    public static async Task<StreamHost> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var host = new StreamHost(new ApiFactory(connectionString, settings));
        // The feed reads the log once before it offers anything: wait so "from now on" means from here.
        await Poll.UntilAsync(() => Task.FromResult(host.Feed.OfferedThrough is not null), TimeSpan.FromSeconds(30), "the change feed listening");
        return host;
    }

    public Task<SseClient> ConnectAsync(string pathAndQuery = "/stream", string? lastEventId = null) =>
        SseClient.ConnectAsync(Client, pathAndQuery, lastEventId);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}
