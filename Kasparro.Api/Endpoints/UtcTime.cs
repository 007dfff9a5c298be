namespace Kasparro.Api.Endpoints;

/// <summary>
/// Turns stored timestamps into UTC <see cref="DateTime"/>s, which serialize with a trailing <c>Z</c> as the contract
/// asks. A method rather than <c>.UtcDateTime</c> so EF Core runs it on the client after reading the column.
/// </summary>
public static class UtcTime
{
    public static DateTime Of(DateTimeOffset value) => value.UtcDateTime;

    public static DateTime? Of(DateTimeOffset? value) => value?.UtcDateTime;
}
