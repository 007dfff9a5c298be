namespace Kasparro.Api.History;

/// <summary>How a <see cref="HistoryDocument"/> lays out each series' points (the <c>format</c> of the history).</summary>
public enum HistoryDocumentLayout
{
    /// <summary>The default: an object per point (<see cref="Contracts.AssetHistory"/>).</summary>
    Points,

    /// <summary><c>format=columns</c>: parallel arrays per series (<see cref="Contracts.AssetHistoryColumns"/>), about half the bytes.</summary>
    Columns,
}
