using Kasparro.Data;

namespace Kasparro.Ingestion.Tests.History;

/// <summary>
/// The packed chunk form (migration PackedChunks) at its edges: a day's columns go through
/// <see cref="HistoryCompaction.EncodeFunction"/> and back through <see cref="HistoryCompaction.DecodeFunction"/> digit for
/// digit (as text, so 1.50 and 1.5 differ), and the packed header says how wide each change was stored.
/// </summary>
public sealed class PackedChunkTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    /// <summary>
    /// The prices <paramref name="prices"/> (a numeric[] literal) as one day's chunk, with the same values as market caps
    /// and twice them as volumes, one point every 10 minutes and a microsecond: the decoded points as text, the form
    /// ('codes' or 'numbers') and the packed change width of the prices.
    /// </summary>
    private async Task<(string Sent, string Read, string Form, int? Width)> RoundTripAsync(string prices)
    {
        var sql = $"""
            WITH day AS (
                SELECT v::numeric[] AS p, array(SELECT x * 2 FROM unnest(v::numeric[]) x) AS v2,
                       array(SELECT timestamptz '2026-07-01Z' + i * interval '10 minutes 1 microsecond' FROM generate_series(1, cardinality(v::numeric[])) i) AS t
                  FROM (VALUES ('{prices}')) s(v)),
            chunk AS (SELECT e.* FROM day CROSS JOIN LATERAL {HistoryCompaction.EncodeFunction}(1, '2026-07-01', day.t, array_fill(false, ARRAY[cardinality(day.t)]), day.p, day.p, day.v2) e)
            SELECT concat_ws(E'\t',
                       (SELECT string_agg(concat_ws(' ', u.at, u.price, u.price, u.volume), '|' ORDER BY u.at) FROM day CROSS JOIN LATERAL unnest(day.t, day.p, day.v2) AS u(at, price, volume)),
                       (SELECT string_agg(concat_ws(' ', u.observed_at, u.price_usd, u.market_cap_usd, u.volume_24h_usd), '|' ORDER BY u.observed_at)
                          FROM chunk c CROSS JOIN LATERAL {HistoryCompaction.PointsOf("c")} u),
                       (SELECT CASE WHEN price_codes IS NULL THEN 'numbers' ELSE 'codes' END FROM chunk),
                       (SELECT int8(substring(price_codes FROM 1 FOR 7)) FROM chunk))
            """;
        var parts = (await database.ScalarAsync<string>(sql)).Split('\t');
        return (parts[0], parts[1], parts[2], parts.Length > 3 && parts[3].Length > 0 ? int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    [Theory]
    [InlineData("{5,5,5,5}", 0)] // all equal: every change 0, nothing stored past the header
    [InlineData("{7}", 0)] // one point
    [InlineData("{100,90,80,-70}", 9)] // negative changes: zigzag 2 * 150 - 1 = 299 needs 9 bits
    [InlineData("{1.50,1.5,2,0.001,2.000}", 14)] // mixed scales and trailing zeros: each value keeps its own scale
    [InlineData("{0,0.0,0}", 2)] // zeros of two scales
    [InlineData("{NULL,1.5,2}", 5)] // NULL at the start
    [InlineData("{1.5,NULL,2}", 5)] // in the middle
    [InlineData("{1.5,2,NULL}", 5)] // at the end
    [InlineData("{NULL,NULL}", 0)] // nothing but NULLs
    [InlineData("{0.000000000000000001,0.000000000000000002}", 2)] // 1e-18
    public async Task Edge_values_read_back_exactly_from_packed_codes(string prices, int width)
    {
        var (sent, read, form, packedWidth) = await RoundTripAsync(prices);

        Assert.Equal(sent, read);
        Assert.Equal("codes", form);
        Assert.Equal(width, packedWidth);
    }

    [Fact]
    public async Task The_widest_code_still_packs_and_the_next_falls_back_to_numbers()
    {
        // 2^57 - 1 is a code of 2^62 - 32 in the form with 5 scale bits (the rule both forms share): it packs, here beside
        // its negative, a change of 2^58 - 2 (59 bits zigzagged); 2^57 does not fit and keeps its numbers, either sign.
        var widest = await RoundTripAsync("{144115188075855871,-144115188075855871}");
        Assert.Equal(widest.Sent, widest.Read);
        Assert.Equal(("codes", 59), (widest.Form, widest.Width));
        foreach (var tooWide in new[] { "{144115188075855872}", "{-144115188075855872}", "{1234567890123456789012345678}" })
        {
            var fallback = await RoundTripAsync(tooWide);
            Assert.Equal(fallback.Sent, fallback.Read);
            Assert.Equal("numbers", fallback.Form);
        }

        // The widest change: 16 decimals beside none (5 scale bits) from the top of the range to the bottom, 64 bits.
        var widestChange = await RoundTripAsync("{14.4115188075855871,-14,0,14.4115188075855871}");
        Assert.Equal(widestChange.Sent, widestChange.Read);
        Assert.Equal(("codes", 64), (widestChange.Form, widestChange.Width));
    }

    [Fact]
    public async Task A_random_walk_day_packs_into_a_fraction_of_eight_bytes_a_value()
    {
        // 144 prices of a 0.1 % random walk around 43,000 with 8 decimals: changes of ~43 * 10^8, ~33 bits zigzagged.
        var random = new Random(16);
        var price = 43000m;
        var prices = new List<string>();
        for (var i = 0; i < 144; i++)
        {
            price = Math.Round(price * (1 + (decimal)(random.NextDouble() - 0.5) * 0.002m), 8);
            prices.Add(price.ToString("F8", System.Globalization.CultureInfo.InvariantCulture));
        }

        var (sent, read, form, width) = await RoundTripAsync($"{{{string.Join(',', prices)}}}");

        Assert.Equal(sent, read);
        Assert.Equal("codes", form);
        Assert.InRange(width!.Value, 30, 40);
        var bytes = await database.ScalarAsync<int>($"SELECT pg_column_size(price_chunk_pack('{{{string.Join(',', prices)}}}'))");
        Assert.InRange(bytes, 1, 144 * 5);
    }
}
