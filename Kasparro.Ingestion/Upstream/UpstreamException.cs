namespace Kasparro.Ingestion.Upstream;

/// <summary>An upstream failed in a way retries did not or must not fix; the message says what happened, for a person.</summary>
public sealed class UpstreamException(string message, Exception? inner = null) : Exception(message, inner);
