namespace Kasparro.Upstreams.Endpoints;

/// <summary>Endpoint metadata naming the route kind, so the request log can label requests before they run.</summary>
internal sealed record UpstreamRouteMetadata(UpstreamRoute Route);
