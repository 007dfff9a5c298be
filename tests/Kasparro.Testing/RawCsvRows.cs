namespace Kasparro.Testing;

/// <summary>
/// Queries over the CSV rows kept in <c>raw_records</c>: a CSV batch is one raw payload holding its lines
/// (<c>payload -> 'rows'</c>), so "every row kept once" is counted over the chunks' rows, not the table's rows.
/// </summary>
public static class RawCsvRows
{
    /// <summary>How many CSV rows the raw chunks hold.</summary>
    public const string Count = "SELECT coalesce(sum(json_array_length(payload -> 'rows')), 0) FROM raw_records WHERE source = 'csv'";

    /// <summary>How many different row texts the raw chunks hold (equal to <see cref="Count"/> when none is kept twice).</summary>
    public const string Distinct = "SELECT count(DISTINCT r) FROM raw_records, json_array_elements_text(payload -> 'rows') r WHERE source = 'csv'";
}
