namespace Kasparro.AppHost.Postgres;

/// <summary>The <c>kasparro</c> database as the services see it, and the server resource to wait for (none when external).</summary>
public sealed record KasparroDatabase(
    IResourceBuilder<IResourceWithConnectionString> ConnectionString,
    IResourceBuilder<IResource>? Server);
