using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Kasparro.Dashboard.Tests.Hosting;

/// <summary>The real dashboard host answers with headers that keep it from being framed, sniffed or fed foreign scripts.</summary>
public sealed class SecurityHeadersTests : IClassFixture<SecurityHeadersTests.DashboardFactory>
{
    private readonly DashboardFactory _factory;

    public SecurityHeadersTests(DashboardFactory factory) => _factory = factory;

    [Theory]
    [InlineData("/")]
    [InlineData("/runs")]
    [InlineData("/no-such-page")]
    public async Task Every_page_carries_the_security_headers(string path)
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
    }

    [Fact]
    public async Task The_real_server_sends_no_Server_header()
    {
        await using var factory = new DashboardFactory();
        factory.UseKestrel(0);
        factory.StartServer();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Server"), $"Server: {string.Join(", ", response.Headers.Server)}");
    }

    /// <summary>The dashboard with a stand-in API address (no page here calls it during the request).</summary>
    public sealed class DashboardFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("services:api:http:0", "http://127.0.0.1:9");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}
