using System.Text.Json;

namespace Kasparro.AppHost.Tests.Deploy;

/// <summary>Publishes the AppHost's default deployment manifest once for <see cref="ManifestTests"/>.</summary>
public sealed class DefaultManifestFixture : IAsyncLifetime
{
    public PublishedManifest Manifest { get; private set; } = null!;

    public async Task InitializeAsync() => Manifest = await PublishedManifest.PublishAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>What azd deploys: the manifest the AppHost publishes (default configuration: Postgres:Mode=auto).</summary>
public sealed class ManifestTests(DefaultManifestFixture fixture) : IClassFixture<DefaultManifestFixture>
{
    private const string ConnectionStringVariable = "ConnectionStrings__kasparro";
    private readonly PublishedManifest _manifest = fixture.Manifest;

    [Fact]
    public void Postgres_is_the_postgres_container_image_listening_on_5432()
    {
        Assert.StartsWith("container.v", _manifest.TypeOf("postgres"));
        var image = _manifest.Resource("postgres").GetProperty("image").GetString();
        Assert.Matches("^(docker\\.io/)?(library/)?postgres:[0-9]", image);
        Assert.Equal("{postgres-password.value}", _manifest.Environment("postgres")["POSTGRES_PASSWORD"]);
        Assert.Equal(5432, _manifest.Resource("postgres").GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());
    }

    [Fact]
    public void The_kasparro_database_is_a_connection_string_on_the_postgres_container()
    {
        Assert.Equal("value.v0", _manifest.TypeOf("kasparro"));
        Assert.Equal("{postgres.connectionString};Database=kasparro",
            _manifest.Resource("kasparro").GetProperty("connectionString").GetString());
    }

    [Theory]
    [InlineData("postgres-password")]
    [InlineData("scheduler-token")]
    public void Secrets_are_generated_secret_parameters_never_values(string parameter)
    {
        Assert.Equal("parameter.v0", _manifest.TypeOf(parameter));
        var input = _manifest.Resource(parameter).GetProperty("inputs").GetProperty("value");
        Assert.True(input.GetProperty("secret").GetBoolean(), $"{parameter} is not marked secret");
        var @default = input.GetProperty("default");
        Assert.True(@default.TryGetProperty("generate", out _), $"{parameter} is not generated at deploy time: {@default}");
        Assert.False(@default.TryGetProperty("value", out _), $"{parameter} carries a literal value in the manifest");
    }

    [Theory]
    [InlineData("api")]
    [InlineData("ingestion")]
    [InlineData("dashboard")]
    public void Each_service_is_its_project_in_this_repository(string service)
    {
        Assert.Equal("project.v0", _manifest.TypeOf(service));
        var expected = service switch
        {
            "api" => "Kasparro.Api",
            "ingestion" => "Kasparro.Ingestion",
            _ => "Kasparro.Dashboard",
        };
        Assert.Equal(RepositoryRoot.Project(expected), _manifest.ProjectPath(service));
    }

    [Fact]
    public void Nothing_runs_as_a_local_executable()
    {
        var executables = _manifest.Resources.Where(r => _manifest.TypeOf(r.Key).StartsWith("executable", StringComparison.Ordinal)).Select(r => r.Key);
        Assert.Empty(executables);
    }

    [Fact]
    public void Only_the_api_and_the_dashboard_are_reachable_from_outside()
    {
        var external = _manifest.Resources.Keys
            .Where(name => _manifest.Bindings(name).Values.Any(isExternal => isExternal))
            .Order()
            .ToArray();
        Assert.Equal(["api", "dashboard"], external);
        Assert.True(_manifest.Bindings("api")["http"]);
        Assert.True(_manifest.Bindings("dashboard")["http"]);
        Assert.False(_manifest.Bindings("ingestion")["http"]);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("ingestion")]
    public void The_api_and_ingestion_get_the_database_connection_string(string service)
    {
        Assert.Equal("{kasparro.connectionString}", _manifest.Environment(service)[ConnectionStringVariable]);
    }

    [Fact]
    public void The_dashboard_reaches_the_api_by_service_discovery_and_never_the_database()
    {
        var env = _manifest.Environment("dashboard");
        Assert.Equal("{api.bindings.http.url}", env["services__api__http__0"]);
        Assert.DoesNotContain(env, variable => variable.Key.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
        Assert.DoesNotContain(env, variable => variable.Value.Contains("postgres", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_scheduler_token_goes_to_the_api_only()
    {
        Assert.Equal("{scheduler-token.value}", _manifest.Environment("api")["Scheduler__Token"]);
        // Deployed, the dashboard signs users in and acts as them: it never holds the machine callers' token.
        Assert.DoesNotContain(_manifest.Environment("dashboard").Values, value => value.Contains("scheduler-token", StringComparison.Ordinal));
        Assert.DoesNotContain(_manifest.Environment("ingestion").Values, value => value.Contains("scheduler-token", StringComparison.Ordinal));
    }

    [Fact]
    public void Deployed_the_dashboard_signs_in_with_oidc_from_parameters_and_the_api_validates_the_same_authority()
    {
        var dashboard = _manifest.Environment("dashboard");
        Assert.Equal("oidc", dashboard["Authentication__Mode"]);
        Assert.Equal("{oidc-authority.value}", dashboard["Authentication__Oidc__Authority"]);
        Assert.Equal("{oidc-client-id.value}", dashboard["Authentication__Oidc__ClientId"]);
        Assert.Equal("{oidc-client-secret.value}", dashboard["Authentication__Oidc__ClientSecret"]);
        Assert.Equal("{oidc-api-scope.value}", dashboard["Authentication__Oidc__Scopes__0"]);
        Assert.True(_manifest.Resource("oidc-client-secret").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());

        var api = _manifest.Environment("api");
        Assert.Equal("{oidc-authority.value}", api["Authentication__Bearer__Authority"]);
        Assert.Equal("{oidc-api-audience.value}", api["Authentication__Bearer__Audience"]);
    }

    [Fact]
    public async Task A_local_postgres_mode_still_publishes_the_container()
    {
        // Postgres:Mode=executable runs the machine's binaries locally; a deployment cannot.
        var manifest = await PublishedManifest.PublishAsync("Postgres:Mode=executable");

        Assert.StartsWith("container.v", manifest.TypeOf("postgres"));
        Assert.DoesNotContain(manifest.Resources.Keys, name => manifest.TypeOf(name).StartsWith("executable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_external_server_becomes_a_secret_connection_string_parameter()
    {
        var manifest = await PublishedManifest.PublishAsync("Postgres:Mode=external");

        Assert.DoesNotContain("postgres", manifest.Resources.Keys);
        Assert.DoesNotContain("postgres-password", manifest.Resources.Keys);
        var database = manifest.Resource("kasparro");
        Assert.Equal("parameter.v0", manifest.TypeOf("kasparro"));
        Assert.Equal("{kasparro.value}", database.GetProperty("connectionString").GetString());
        Assert.True(database.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        Assert.Equal("{kasparro.connectionString}", manifest.Environment("api")[ConnectionStringVariable]);
        Assert.Equal("{kasparro.connectionString}", manifest.Environment("ingestion")[ConnectionStringVariable]);
    }
}
