namespace Kasparro.Ingestion.Quality;

/// <summary>The fields a source's payload is expected to carry (each source declares its own); nested JSON fields are dotted paths (<c>quotes.USD.price</c>).</summary>
/// <param name="Source">The source tag the drift events are stored under.</param>
/// <param name="Required">Fields without which a record cannot be used: a record missing one is quarantined.</param>
/// <param name="Optional">Fields we use when present or that the API documents; anything else is unknown.</param>
public sealed record FieldSet(string Source, IReadOnlyList<string> Required, IReadOnlyList<string> Optional);
