namespace Kasparro.Upstreams.Endpoints;

/// <summary>Which base path a request came in on, which decides the key it must carry.</summary>
internal enum UpstreamPlan
{
    PaprikaFree,
    PaprikaPro,
    GeckoDemo,
    GeckoPro,
}
