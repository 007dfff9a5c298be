
namespace Kasparro.Api.Tests;

/// <summary>One database and one hosted API (with a scheduler token) shared by a test class with many cases.</summary>
public sealed class ApiHostFixture : IAsyncLifetime
{
    public DatabaseFixture Database { get; } = new();

    public ApiFactory Api { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        Api = ApiFactory.WithToken(Database.ConnectionString);
        Client = Api.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Database.DisposeAsync();
    }
}
