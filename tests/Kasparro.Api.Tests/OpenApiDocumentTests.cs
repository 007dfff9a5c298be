using System.Text.Json;

namespace Kasparro.Api.Tests;

/// <summary>The OpenAPI document lists every path of docs/api-contract.md with its documented responses.</summary>
public sealed class OpenApiDocumentTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    public static TheoryData<string, string, string[]> ContractOperations() => new()
    {
        { "get", "/data", ["200", "400", "429", "502", "503"] },
        { "get", "/health", ["200", "503"] },
        { "get", "/stats", ["200", "503"] },
        { "get", "/stats/history", ["200", "503"] },
        { "post", "/trigger-etl", ["202", "400", "401", "403", "409", "503"] },
        { "get", "/runs", ["200", "400", "503"] },
        { "get", "/runs/{id}", ["200", "400", "404", "503"] },
        { "get", "/compare-runs", ["200", "400", "404", "503"] },
        { "get", "/assets", ["200", "400", "502", "503"] },
        { "get", "/assets/{id}", ["200", "400", "404", "502", "503"] },
        { "get", "/assets/{id}/history", ["200", "400", "404", "502", "503"] },
        { "get", "/assets/{id}/candles", ["200", "400", "404", "502", "503"] },
        { "get", "/divergences", ["200", "400", "502", "503"] },
        { "get", "/drift", ["200", "400", "503"] },
        { "get", "/quarantine", ["200", "400", "503"] },
        { "get", "/stream", ["200", "400", "429", "503"] },
        { "get", "/sources", ["200", "503"] },
        { "post", "/sources/{source}/resume", ["200", "401", "403", "404", "409", "503"] },
        { "get", "/assets/{id}/gaps", ["200", "400", "404", "503"] },
        { "get", "/compare/assets", ["200", "400", "404", "502", "503"] },
        { "get", "/alerts", ["200", "400", "503"] },
        { "get", "/alerts/rules", ["200", "503"] },
        { "get", "/alerts/rules/{id}", ["200", "400", "404", "503"] },
        { "post", "/alerts/rules", ["201", "400", "401", "403", "503"] },
        { "delete", "/alerts/rules/{id}", ["204", "400", "401", "403", "404", "409", "503"] },
    };

    [Theory]
    [MemberData(nameof(ContractOperations))]
    public async Task Every_contract_path_is_documented_with_its_responses(string method, string path, string[] codes)
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var document = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        Assert.True(document.GetProperty("paths").TryGetProperty(path, out var item), $"{path} is missing from the OpenAPI document");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method.ToUpperInvariant()} {path} is missing");
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("operationId").GetString()));
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        Assert.True(operation.GetProperty("tags").GetArrayLength() > 0);
        var documented = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        Assert.All(codes, code => Assert.Contains(code, documented));
    }

    [Theory]
    [InlineData("/data")]
    [InlineData("/assets/{id}/history")]
    [InlineData("/assets/{id}/candles")]
    [InlineData("/runs")]
    [InlineData("/quarantine")]
    [InlineData("/drift")]
    [InlineData("/alerts")]
    [InlineData("/compare/assets")]
    public async Task Exporting_operations_answer_json_or_csv(string path)
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var document = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty("get");
        var content = operation.GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().Select(c => c.Name).ToList();
        Assert.Contains("application/json", content);
        Assert.Contains("text/csv", content);
        Assert.Contains(operation.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "format");
        Assert.Contains("format=csv", operation.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schemas_use_the_snake_case_wire_names_and_the_reference_is_served()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var client = api.CreateClient();
        var document = await client.GetJsonAsync("/openapi/v1.json");
        var record = document.GetProperty("components").GetProperty("schemas").GetProperty("MarketRecordItem").GetProperty("properties");
        Assert.True(record.TryGetProperty("volume_24h_usd", out _));
        Assert.True(record.TryGetProperty("percent_change_24h", out _));
        Assert.True(record.TryGetProperty("price_usd", out _));
        // The history's range rule is part of its contract: clients read the range covered from the response.
        var history = document.GetProperty("paths").GetProperty("/assets/{id}/history").GetProperty("get").GetProperty("description").GetString();
        Assert.Contains("widened to whole buckets", history, StringComparison.Ordinal);

        // The stream is documented as an event stream, with its event types.
        var stream = document.GetProperty("paths").GetProperty("/stream").GetProperty("get");
        Assert.True(stream.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        var events = stream.GetProperty("description").GetString();
        foreach (var type in new[] { "event: price", "event: run", "event: heartbeat", "event: reset", "event: overflow", "Last-Event-ID" })
        {
            Assert.Contains(type, events, StringComparison.Ordinal);
        }

        var docs = await client.GetAsync("/docs");
        Assert.Equal(200, (int)docs.StatusCode);
        Assert.Contains("text/html", docs.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_history_documents_both_json_layouts()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var document = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        var operation = document.GetProperty("paths").GetProperty("/assets/{id}/history").GetProperty("get");
        var schema = operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal(["#/components/schemas/AssetHistory", "#/components/schemas/AssetHistoryColumns"],
            schema.GetProperty("oneOf").EnumerateArray().Select(s => s.GetProperty("$ref").GetString()));
        Assert.Contains("format=columns", operation.GetProperty("description").GetString(), StringComparison.Ordinal);

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var columns = schemas.GetProperty("AssetHistoryColumns").GetProperty("properties");
        Assert.Equal(["asset_id", "from", "to", "interval", "series"], columns.EnumerateObject().Select(p => p.Name));
        var series = columns.GetProperty("series").GetProperty("items").GetProperty("properties");
        Assert.Equal(["source", "t", "price_usd", "market_cap_usd", "volume_24h_usd"], series.EnumerateObject().Select(p => p.Name));
        Assert.Equal("array", series.GetProperty("t").GetProperty("type").GetString());
        Assert.Equal("date-time", series.GetProperty("t").GetProperty("items").GetProperty("format").GetString());
    }

    [Fact]
    public async Task The_history_stats_document_their_fields()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var document = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        var schema = document.GetProperty("paths").GetProperty("/stats/history").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal("#/components/schemas/HistoryStats", schema.GetProperty("$ref").GetString());
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Equal(["raw_retention_seconds", "oldest_observed_at", "newest_observed_at", "partitions", "total_bytes", "last_retention_drop"],
            schemas.GetProperty("HistoryStats").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["at", "months"], schemas.GetProperty("RetentionDrop").GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Creating_an_alert_rule_documents_its_json_body()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var document = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        var body = document.GetProperty("paths").GetProperty("/alerts/rules").GetProperty("post").GetProperty("requestBody");
        var reference = body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();
        Assert.Equal("#/components/schemas/AlertRuleRequest", reference);
        var fields = document.GetProperty("components").GetProperty("schemas").GetProperty("AlertRuleRequest").GetProperty("properties");
        Assert.Equal(["kind", "asset_id", "source", "threshold_pct", "window", "stale_after", "cooldown"], fields.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Runs_document_their_sort_parameter()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var document = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        var parameters = document.GetProperty("paths").GetProperty("/runs").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.GetProperty("in").GetString())).ToList();
        Assert.Contains(("sort", "query"), parameters);
        Assert.Contains(("limit", "query"), parameters);
    }

    [Fact]
    public async Task Sources_document_their_display_name_and_snapshot_flag()
    {
        await using var api = new ApiFactory(database.ConnectionString);
        var document = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        var item = document.GetProperty("components").GetProperty("schemas").GetProperty("SourceControlItem").GetProperty("properties");
        Assert.Equal("string", item.GetProperty("display_name").GetProperty("type").GetString());
        Assert.Equal("boolean", item.GetProperty("snapshot").GetProperty("type").GetString());
    }
}
