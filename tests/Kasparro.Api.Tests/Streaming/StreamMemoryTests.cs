
namespace Kasparro.Api.Tests.Streaming;

/// <summary>
/// A stuck client costs the server nothing lasting. Measured on the managed heap of the test process, so this class
/// runs alone (its own collection, not in parallel with other tests' allocations).
/// </summary>
[Collection(Name)]
public sealed class StreamMemoryTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public const string Name = "Memory measurements";

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_client_that_stops_reading_is_cut_off_and_the_servers_memory_stays_flat()
    {
        await using var api = await StreamHost.StartAsync(database.ConnectionString, new Dictionary<string, string> { ["Stream:ClientBuffer"] = "4" });
        await using var reader = await api.ConnectAsync("/stream?events=run");
        using var stuck = await RawStreamClient.ConnectAsync(api.Client.BaseAddress!);
        await Poll.UntilAsync(() => Task.FromResult(api.Feed.Subscribers == 2), TimeSpan.FromSeconds(10), "both clients subscribed");

        // ~12 MB of events for the stuck client: more than the socket buffers and Kestrel's 64 KB hold.
        await StreamLimitsTests.CommitChangesAsync(database, changes: 40, records: 1000, prefix: "a");
        var before = Settled();
        await StreamLimitsTests.CommitChangesAsync(database, changes: 40, records: 1000, prefix: "b");
        await Poll.UntilAsync(() => Task.FromResult(api.Feed.Subscribers == 1), TimeSpan.FromSeconds(30), "the stuck client cut off");
        var after = Settled();

        Assert.True(after - before < 8_000_000, $"memory grew by {(after - before) / 1_000_000.0:F1} MB while a stuck client was subscribed");
        // The client that keeps reading is unaffected.
        Assert.Equal(1, api.Feed.Subscribers);
        Assert.Equal("heartbeat", (await reader.NextAsync(TimeSpan.FromSeconds(1)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : new ReceivedEvent("heartbeat", null, ""))).Type);

        static long Settled()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return GC.GetTotalMemory(forceFullCollection: true);
        }
    }

}

/// <summary>Tests that measure the process' memory: run with nothing else in parallel.</summary>
[CollectionDefinition(StreamMemoryTests.Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection;
