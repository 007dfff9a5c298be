namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>Registers the CSV source: its options (validated at start) and the source.</summary>
public static class CsvRegistration
{
    /// <summary>Adds the CSV source with everything it brings.</summary>
    public static IServiceCollection AddCsvSource(this IServiceCollection services) =>
        services.AddMarketSource<CsvSource, CsvOptions>(CsvOptions.Section);
}
