using System.Diagnostics.Metrics;
using Kasparro.Api.History;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kasparro.Api.Tests;

/// <summary>
/// What <see cref="HistoryCache"/> keeps of a rendering during which changes arrive: nothing when its own asset (or
/// everything) changed, since the rows may predate the change; the rendering when only other assets changed.
/// </summary>
public sealed class HistoryCacheRenderingTests : IDisposable
{
    private static readonly HistoryKey Bitcoin = new(HistoryDocumentKind.History, "btc-bitcoin", "1h", 0, 1, HistoryDocumentLayout.Points);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly HistoryCache _cache;
    private int _renderings;

    public HistoryCacheRenderingTests()
    {
        _cache = new HistoryCache(Options.Create(new HistoryCacheOptions()), _services.GetRequiredService<IMeterFactory>());
        _cache.StartServing();
    }

    public void Dispose()
    {
        _cache.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task A_rendering_during_which_other_assets_change_is_kept()
    {
        await RenderAsync(during: () => _cache.Changed("eth-ethereum,sol-solana"));
        await RenderAsync();

        Assert.Equal(1, _renderings);
    }

    [Theory]
    [InlineData("btc-bitcoin")]
    [InlineData("eth-ethereum,btc-bitcoin")]
    [InlineData("*")]
    public async Task A_rendering_during_which_its_asset_or_everything_changes_is_not_kept(string payload)
    {
        await RenderAsync(during: () => _cache.Changed(payload));
        await RenderAsync();
        await RenderAsync();

        Assert.Equal(2, _renderings);
    }

    [Fact]
    public async Task A_rendering_during_which_notifications_stop_and_resume_is_not_kept()
    {
        await RenderAsync(during: () =>
        {
            _cache.StopServing();
            _cache.StartServing();
        });
        await RenderAsync();

        Assert.Equal(2, _renderings);
    }

    private Task<HistoryDocument?> RenderAsync(Action? during = null) =>
        _cache.GetOrRenderAsync(Bitcoin, (kept, _) =>
        {
            Assert.True(kept);
            _renderings++;
            during?.Invoke();
            return Task.FromResult<HistoryDocument?>(HistoryDocument.Of("{}"u8.ToArray(), compress: true));
        }, CancellationToken.None);
}
