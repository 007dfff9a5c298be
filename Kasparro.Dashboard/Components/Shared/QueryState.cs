using Microsoft.AspNetCore.Components;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>
/// Keeps a page's view state (filters, sort, page, scale, zoom) in its address, so every view is a link and a reload
/// restores it. Pages read the values back with <c>[SupplyParameterFromQuery]</c>.
/// </summary>
public static class QueryState
{
    /// <summary>Replaces the current history entry's query values (null removes one); does nothing when they already match.</summary>
    public static void ReplaceQuery(this NavigationManager navigation, IReadOnlyDictionary<string, object?> values)
    {
        var target = navigation.GetUriWithQueryParameters(values);
        if (!string.Equals(target, navigation.Uri, StringComparison.Ordinal))
        {
            navigation.NavigateTo(target, replace: true);
        }
    }

    /// <summary>A 1-based page number for the URL from a zero-based index; the first page is left out.</summary>
    public static int? PageNumber(int pageIndex) => pageIndex > 0 ? pageIndex + 1 : null;

    /// <summary>The zero-based page index of a URL's 1-based <c>page</c> value (missing or nonsense: the first page).</summary>
    public static int PageIndex(int? pageNumber) => pageNumber is > 1 ? pageNumber.Value - 1 : 0;

    /// <summary>A value from a fixed set, or the empty choice ("all") for anything else.</summary>
    public static string Choice(string? value, IReadOnlyList<string> allowed) =>
        value is not null && allowed.Contains(value, StringComparer.Ordinal) ? value : "";

    /// <summary>The URL form of a filter: the empty choice is left out.</summary>
    public static string? Blank(string value) => value.Length == 0 ? null : value;
}
