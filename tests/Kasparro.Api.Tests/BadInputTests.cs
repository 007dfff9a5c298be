using System.Net;

namespace Kasparro.Api.Tests;

/// <summary>
/// Fuzz-style: every parameter of every endpoint with wrong types, out-of-range numbers, injection strings, huge
/// values and unicode. Invalid values are a 400 problem naming the parameter; nothing is ever a 500, and no
/// error body leaks a stack trace or SQL.
/// </summary>
public sealed class BadInputTests(ApiHostFixture host) : IClassFixture<ApiHostFixture>
{
    private static readonly string Huge = new('9', 10_000);
    private static readonly string LongText = new('a', 101);

    private static readonly string[] BadIntegers =
        ["abc", "-1", "1.5", "1e3", "0x10", "99999999999999999999", " 1", "１", "1; DROP TABLE etl_runs", "' OR 1=1 --", Huge, "%00"];
    private static readonly string[] BadChoices =
        ["binance", "COINGECKO", "coingecko ", "' OR '1'='1", "coingecko'; DROP TABLE etl_runs; --", "ⓒoingecko", "%00", LongText, Huge];
    private static readonly string[] BadDates =
        ["2025-13-45", "not-a-date", "99999-01-01", "1900-01-01", "'; DROP TABLE normalized_records; --", "2025-03-29T25:00:00Z", LongText, Huge];
    private static readonly string[] BadTexts = [LongText, Huge, "%00", "abc%0Adef", "%7F"];

    /// <summary>(path, parameter, kind): every query parameter of every endpoint.</summary>
    private static readonly (string Path, string Parameter, string[] Values, int? Max)[] Parameters =
    [
        ("/data", "source", BadChoices, null), ("/data", "ticker", BadTexts, null), ("/data", "asset_id", BadTexts, null),
        ("/data", "start_date", BadDates, null), ("/data", "end_date", BadDates, null),
        ("/data", "limit", [.. BadIntegers, "0", "201"], 200), ("/data", "offset", BadIntegers, null),
        ("/runs", "limit", [.. BadIntegers, "0", "201"], 200), ("/runs", "offset", BadIntegers, null),
        ("/runs", "source", BadChoices, null), ("/runs", "status", BadChoices, null), ("/runs", "trigger_id", BadTexts, null),
        ("/compare-runs?run_b=1", "run_a", [.. BadIntegers, "0"], null), ("/compare-runs?run_a=1", "run_b", [.. BadIntegers, "0"], null),
        ("/assets", "q", BadTexts, null), ("/assets", "limit", [.. BadIntegers, "0", "201"], 200), ("/assets", "offset", BadIntegers, null),
        ("/assets/btc-bitcoin/history", "from", BadDates, null), ("/assets/btc-bitcoin/history", "to", BadDates, null),
        ("/assets/btc-bitcoin/history", "interval", BadChoices, null),
        ("/divergences", "limit", [.. BadIntegers, "0", "201"], 200),
        ("/drift", "source", BadChoices, null), ("/drift", "kind", BadChoices, null),
        ("/drift", "limit", [.. BadIntegers, "0", "201"], 200), ("/drift", "offset", BadIntegers, null),
        ("/quarantine", "source", BadChoices, null), ("/quarantine", "run_id", [.. BadIntegers, "0"], null),
        ("/quarantine", "limit", [.. BadIntegers, "0", "201"], 200), ("/quarantine", "offset", BadIntegers, null),
        ("POST /trigger-etl", "source", [.. BadChoices, "coingecko_history", "history"], null),
    ];

    public static TheoryData<string, string> InvalidValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, parameter, values, _) in Parameters)
        {
            foreach (var value in values)
            {
                var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
                var encoded = value.StartsWith('%') || value.Contains("%0", StringComparison.Ordinal) || value == "%7F" ? value : Uri.EscapeDataString(value);
                data.Add($"{path}{separator}{parameter}={encoded}", parameter);
            }
        }

        // (A NUL in the path never reaches the app: the server refuses the request line.)
        foreach (var value in new[] { "abc", "0", "-5", "1.0", Huge, "%0A" })
        {
            data.Add($"/runs/{value}", "id");
        }

        foreach (var value in new[] { LongText, "%0A", "%7F" })
        {
            data.Add($"/assets/{value}", "id");
            data.Add($"/assets/{value}/history", "id");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task Invalid_values_are_a_400_problem_naming_the_parameter(string request, string parameter)
    {
        var (status, body, contentType) = await SendAsync(request);
        Assert.True(status == 400, $"{request}: {status} {body}");
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains($"\"{parameter}\":", body, StringComparison.Ordinal);
        AssertNothingLeaks(body);
    }

    public static TheoryData<string> HarmlessValues()
    {
        string[] injections = ["' OR 1=1 --", "\"; DROP TABLE normalized_records; --", "%' OR ''='", "\\", "_%", "😀 比特币 ₿", "Ｂtc", "null", "undefined", "<script>alert(1)</script>"];
        var data = new TheoryData<string>();
        foreach (var text in injections)
        {
            var value = Uri.EscapeDataString(text);
            data.Add($"/data?ticker={value}");
            data.Add($"/data?asset_id={value}");
            data.Add($"/runs?trigger_id={value}");
            data.Add($"/assets?q={value}");
            data.Add($"/assets/{value}");
            data.Add($"/assets/{value}/history");
        }

        data.Add("/data?limit=");
        data.Add("/data?limit=1&limit=2");
        data.Add("/runs?unknown=1");
        return data;
    }

    [Theory]
    [MemberData(nameof(HarmlessValues))]
    public async Task Free_text_is_only_ever_data(string request)
    {
        var (status, body, contentType) = await SendAsync(request);
        Assert.True(status < 500, $"{request}: {status} {body}");
        if (status >= 400)
        {
            Assert.Equal("application/problem+json", contentType);
        }

        AssertNothingLeaks(body);
    }

    [Fact]
    public async Task Tables_survive_the_injection_attempts()
    {
        await SendAsync("/data?ticker=" + Uri.EscapeDataString("'; DROP TABLE normalized_records; --"));
        Assert.Equal(0, await host.Database.ScalarAsync<long>("SELECT count(*) FROM normalized_records"));
    }

    private async Task<(int Status, string Body, string? ContentType)> SendAsync(string request)
    {
        var isPost = request.StartsWith("POST ", StringComparison.Ordinal);
        using var message = new HttpRequestMessage(isPost ? HttpMethod.Post : HttpMethod.Get, isPost ? request[5..] : request);
        if (isPost)
        {
            message.Headers.Add("X-Scheduler-Token", ApiFactory.SchedulerToken);
        }

        var response = await host.Client.SendAsync(message);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    private static void AssertNothingLeaks(string body)
    {
        foreach (var marker in new[] { "Exception", "   at ", "Npgsql", "SELECT ", "stack", ".cs:line" })
        {
            Assert.DoesNotContain(marker, body, StringComparison.OrdinalIgnoreCase);
        }

        Assert.NotEqual(HttpStatusCode.InternalServerError.ToString(), body);
    }
}
