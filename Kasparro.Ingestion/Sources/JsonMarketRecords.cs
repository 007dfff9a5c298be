using System.Text.Json;
using Kasparro.Ingestion.Quality;

namespace Kasparro.Ingestion.Sources;

/// <summary>Where an upstream's JSON object keeps each value of the common schema (dotted paths).</summary>
public sealed record JsonFieldMap(
    string Id, string Symbol, string Name, string Price, string MarketCap, string Volume, string PercentChange24h,
    string LastUpdated, string Rank, FieldSet Fields);

/// <summary>
/// Turns one upstream JSON object into a <see cref="SourceRecord"/>: checks it against the source's expected
/// fields (drift), validates and normalizes the values, or rejects it with a reason a person can read.
/// </summary>
public static class JsonMarketRecords
{
    public static SourceRecord Read(JsonElement item, JsonFieldMap map, SourceReadContext context, string location)
    {
        var raw = item.GetRawText();
        if (item.ValueKind != JsonValueKind.Object)
        {
            return SourceRecord.Rejected(null, raw, location, $"expected a JSON object, got {item.ValueKind.ToString().ToLowerInvariant()}");
        }

        if (raw.Contains("\\u0000", StringComparison.Ordinal))
        {
            return SourceRecord.Rejected(null, raw.Replace("\\u0000", "\\uFFFD", StringComparison.Ordinal), location,
                "the object contains a NUL character (\\u0000), which cannot be stored");
        }

        var drift = context.DriftDetector.Inspect(item, map.Fields);
        context.Drift.Add(drift);
        var id = SourceValues.OptionalString(item, map.Id);
        if (drift.MissingRequired.Count > 0)
        {
            return SourceRecord.Rejected(id, raw, location, drift.DescribeMissingRequired());
        }

        if (context.OnDrift == Kasparro.Data.Operations.DriftPolicy.Quarantine && drift.IsBreaking)
        {
            return SourceRecord.Rejected(id, raw, location, drift.DescribeBreaking() + " (OnDrift = quarantine)");
        }

        var symbol = SourceValues.OptionalString(item, map.Symbol);
        if (string.IsNullOrWhiteSpace(id))
        {
            return SourceRecord.Rejected(null, raw, location, $"'{map.Id}' is missing or not a string");
        }

        if (string.IsNullOrWhiteSpace(symbol))
        {
            return SourceRecord.Rejected(id, raw, location, $"'{map.Symbol}' is missing or not a string");
        }

        if (!SourceValues.TryRequiredDecimal(item, map.Price, out var price, out var error))
        {
            return SourceRecord.Rejected(id, raw, location, error!);
        }

        if (price < 0)
        {
            return SourceRecord.Rejected(id, raw, location, $"'{map.Price}' is negative ({price})");
        }

        var marketCap = SourceValues.OptionalDecimal(item, map.MarketCap, out error);
        if (error is not null)
        {
            return SourceRecord.Rejected(id, raw, location, error);
        }

        var volume = SourceValues.OptionalDecimal(item, map.Volume, out error);
        if (error is not null)
        {
            return SourceRecord.Rejected(id, raw, location, error);
        }

        var change = SourceValues.OptionalDecimal(item, map.PercentChange24h, out error);
        if (error is not null)
        {
            return SourceRecord.Rejected(id, raw, location, error);
        }

        var updatedText = SourceValues.OptionalString(item, map.LastUpdated);
        DateTimeOffset observedAt;
        if (updatedText is null)
        {
            // No timestamp from the source: the observation is "as of this run".
            observedAt = context.StartedAt;
        }
        else if (!SourceValues.TryParseTimestamp(updatedText, out observedAt))
        {
            return SourceRecord.Rejected(id, raw, location, $"'{map.LastUpdated}' value {SourceValues.Truncate(updatedText)} is not a valid date");
        }

        var values = new MarketValues(
            symbol.Trim().ToUpperInvariant(),
            SourceValues.OptionalString(item, map.Name),
            price, marketCap, volume, change, observedAt,
            SourceValues.OptionalInt(item, map.Rank));
        return SourceRecord.Accepted(id, raw, location, values);
    }
}
