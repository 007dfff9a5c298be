namespace Kasparro.Ingestion.Sources.Csv;

/// <summary>
/// One string per distinct value of a column that repeats on every row (a file's symbols and names): a batch of
/// 20,000 records then holds a few thousand strings instead of 40,000, and it is the batches that live long enough to
/// be promoted by the GC. Bounded: values longer than <see cref="MaxLength"/> are not held, and past
/// <see cref="MaxValues"/> distinct values it starts over, so a file of unique or huge values costs a lookup a row,
/// never memory that grows with the file (at most ~8 MB).
/// </summary>
internal sealed class CsvValueInterner
{
    /// <summary>Distinct values held at most (the benchmark file has 2,000 symbols and 2,000 names).</summary>
    public const int MaxValues = 16_384;

    /// <summary>Longest value held (a ticker is at most 32 characters; longer symbols are rejected anyway).</summary>
    public const int MaxLength = 256;

    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> bySpan;

    public CsvValueInterner() => bySpan = values.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The held string equal to <paramref name="text"/>, or a new one, held from now on.</summary>
    public string Intern(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return "";
        }

        if (text.Length > MaxLength)
        {
            return text.ToString();
        }

        if (bySpan.TryGetValue(text, out var held))
        {
            return held;
        }

        var value = text.ToString();
        Hold(value);
        return value;
    }

    private void Hold(string value)
    {
        if (values.Count >= MaxValues)
        {
            values.Clear();
        }

        values[value] = value;
    }
}
