using Kasparro.Contracts;
using Kasparro.Dashboard.Api;
using Microsoft.AspNetCore.Components;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Kasparro.Dashboard.Components.Shared;

/// <summary>
/// Feeds a <see cref="FluentDataGrid{TGridItem}"/> from one of the API's limit/offset lists: the grid's
/// <c>StartIndex</c>/<c>Count</c> become <c>offset</c>/<c>limit</c> and the API's <c>pagination.total</c> the grid's
/// total, so the paginator pages on the server. A failed call leaves the grid empty and its message in <see cref="Error"/>.
/// </summary>
public sealed class ApiGridSource<T>(int pageSize, Func<ApiGridRequest<T>, Task<ApiResult<Page<T>>>> fetch)
{
    /// <summary>The page the grid shows, shared with its <see cref="FluentPaginator"/>.</summary>
    public PaginationState Pagination { get; } = new() { ItemsPerPage = pageSize };

    /// <summary>Why the last page could not be loaded; null when it was.</summary>
    public string? Error { get; private set; }

    /// <summary>Whether the last load changed <see cref="Error"/> (the component showing it must render again).</summary>
    public bool ErrorChanged { get; private set; }

    /// <summary>Called after every page the grid loaded (pages write their zero-based page index and sort to the URL here).</summary>
    public Func<ApiGridRequest<T>, Task>? Loaded { get; set; }

    // The page the grid shows (its offset, rows and total), and whether the next load serves it as changed by a live
    // update instead of asking the API.
    private (int Offset, IReadOnlyList<T> Items, int Total)? _shown;
    private bool _serveShown;

    /// <summary>
    /// Changes the rows the grid shows in place (a live update) and redraws it without asking the API; false when nothing
    /// is shown yet. <paramref name="change"/> gets the shown rows and total and returns the new ones.
    /// </summary>
    public async Task<bool> ApplyAsync(FluentDataGrid<T> grid, Func<IReadOnlyList<T>, int, (IReadOnlyList<T> Items, int Total)> change)
    {
        if (_shown is not { } shown)
        {
            return false;
        }

        var (items, total) = change(shown.Items, shown.Total);
        _shown = (shown.Offset, items, total);
        _serveShown = true;
        await grid.RefreshDataAsync();
        return true;
    }

    /// <summary>The grid's <c>ItemsProvider</c>.</summary>
    public async ValueTask<GridItemsProviderResult<T>> ProvideAsync(GridItemsProviderRequest<T> request)
    {
        if (_serveShown && _shown is { } shown && shown.Offset == request.StartIndex)
        {
            _serveShown = false;
            return GridItemsProviderResult.From(shown.Items.ToList(), shown.Total);
        }

        _serveShown = false;
        var page = new ApiGridRequest<T>(request.Count ?? Pagination.ItemsPerPage, request.StartIndex, request.SortByColumn, request.SortByAscending,
            request.StartIndex / Math.Max(1, Pagination.ItemsPerPage), request.CancellationToken);
        var result = await fetch(page);
        // The client reports a cancelled call as a failure; a grid that moved on to another page is not one.
        request.CancellationToken.ThrowIfCancellationRequested();
        ErrorChanged = Error != result.Error;
        Error = result.Error;
        if (Loaded is { } loaded)
        {
            await loaded(page);
        }

        if (result.Value is not { } value)
        {
            _shown = null;
            return GridItemsProviderResult.From(new List<T>(), 0);
        }

        var total = (int)Math.Min(int.MaxValue, value.Pagination.Total);
        _shown = (request.StartIndex, value.Data, total);
        return GridItemsProviderResult.From(value.Data.ToList(), total);
    }
}

/// <summary>One page a grid asks for, in the API's terms (limit/offset) with the grid's sort column.</summary>
public sealed record ApiGridRequest<T>(int Limit, int Offset, ColumnBase<T>? SortColumn, bool Ascending, int PageIndex, CancellationToken CancellationToken);

/// <summary>Reloading a paged grid after its filters changed.</summary>
public static class GridPages
{
    /// <summary>Back to the first page: moving the paginator reloads the grid; already there, the grid reloads itself.</summary>
    public static async Task ReloadAsync<T>(PaginationState pagination, FluentDataGrid<T>? grid)
    {
        if (pagination.CurrentPageIndex != 0)
        {
            await pagination.SetCurrentPageIndexAsync(0);
        }
        else if (grid is not null)
        {
            await grid.RefreshDataAsync();
        }
    }
}
