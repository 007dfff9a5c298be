using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kasparro.AppHost;

/// <summary>
/// Prints a resource's URLs in the AppHost console once it is ready, so a newcomer who ran
/// <c>dotnet run --project Kasparro.AppHost</c> sees where the dashboard and the API are, not only the Aspire dashboard.
/// </summary>
public static class ConsoleUrls
{
    /// <summary>The logger category of these lines.</summary>
    public const string Category = "Kasparro.AppHost";

    /// <summary>
    /// Logs "<paramref name="label"/>: url" for each HTTP(S) endpoint when the resource is ready, followed by
    /// "(<paramref name="pageName"/> at url<paramref name="page"/>)" when a page is named.
    /// </summary>
    public static IResourceBuilder<T> WithUrlsInConsole<T>(this IResourceBuilder<T> resource, string label, string? page = null, string? pageName = null)
        where T : IResourceWithEndpoints
    {
        resource.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(resource.Resource, (ready, _) =>
        {
            var urls = resource.Resource.GetEndpoints()
                .Where(endpoint => endpoint.IsAllocated && endpoint.Scheme is "http" or "https")
                .Select(endpoint => endpoint.Url.TrimEnd('/'))
                .Select(url => page is null ? url : $"{url} ({pageName} at {url}{page})")
                .ToList();
            var logger = ready.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
            // After "Distributed application started" (logged before ApplicationStarted fires), so the URLs come below
            // it even for a resource that was ready sooner; runs at once when the application has already started.
            ready.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
                logger.LogInformation("{Label}: {Urls}", label, string.Join("  ", urls)));
            return Task.CompletedTask;
        });
        return resource;
    }
}
