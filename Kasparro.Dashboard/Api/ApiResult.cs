namespace Kasparro.Dashboard.Api;

/// <summary>
/// The outcome of one API call as a page renders it: a value, or an error message the page shows instead.
/// Calls never throw for network, HTTP or JSON failures, so a page cannot crash when the API is down.
/// </summary>
public sealed record ApiResult<T>
{
    public T? Value { get; init; }

    /// <summary>A message for people (not a stack trace); null on success.</summary>
    public string? Error { get; init; }

    /// <summary>The HTTP status when the API answered; null when it could not be reached.</summary>
    public int? StatusCode { get; init; }

    public bool IsSuccess => Error is null && Value is not null;

    public bool IsNotFound => StatusCode == 404;

    public static ApiResult<T> Success(T value) => new() { Value = value, StatusCode = 200 };

    public static ApiResult<T> Failure(string error, int? statusCode = null) => new() { Error = error, StatusCode = statusCode };
}
