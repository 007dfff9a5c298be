namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>Configuration section <c>Sources:Csv</c>.</summary>
public sealed class CsvOptions
{
    public const string Section = "Sources:Csv";

    public bool Enabled { get; set; } = true;

    /// <summary>A CSV file, or a folder whose <c>*.csv</c> files are read in name order. Relative to the content root.</summary>
    public string Path { get; set; } = "data";

    /// <summary>Rows written per transaction (and per checkpoint).</summary>
    public int BatchSize { get; set; } = 20_000;

    /// <summary>
    /// Read the rows of plain files (no quotes, no line over the field limit) with Sep, which gives the same records as
    /// CsvHelper at a fraction of the CPU; false reads every file with CsvHelper (docs/performance.md, "CSV reader: Sep fast path").
    /// </summary>
    public bool FastPath { get; set; } = true;
}
