namespace Kasparro.Api.History;

/// <summary>What a <see cref="HistoryCache"/> entry holds, part of its <see cref="HistoryKey"/>.</summary>
public enum HistoryDocumentKind
{
    /// <summary>A bucketed <c>GET /assets/{id}/history</c> response (<see cref="HistoryDocument"/>).</summary>
    History,

    /// <summary>A <c>GET /assets/{id}/candles</c> response (<see cref="HistoryDocument"/>).</summary>
    Candles,

    /// <summary>Whole UTC days of an asset's raw points, rendered, which raw history requests are cut from (<see cref="HistoryRawWindow"/>).</summary>
    RawWindow,
}
