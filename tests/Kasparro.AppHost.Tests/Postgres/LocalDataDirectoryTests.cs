extern alias testing;

using System.Diagnostics;
using Kasparro.AppHost.Postgres;
using Npgsql;
using TestTemp = testing::Kasparro.Testing.TestTemp;

namespace Kasparro.AppHost.Tests.Postgres;

/// <summary>
/// The AppHost's local PostgreSQL data folder: the default beside the AppHost, moved to a folder the service account
/// reaches when the checkout sits in a folder it cannot enter (root in /root/kasparro, mode 700), never moved when
/// the user chose it; and a real cluster initialized and started from such a checkout.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalDataDirectoryTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public void A_path_the_user_set_is_used_as_given_even_when_unreachable()
    {
        var (home, appHost) = CheckoutInPrivateHome();

        var chosen = LocalDataDirectory.Choose(Path.Combine(home, "my-data"), appHost, runningAsRoot: true, [TestTemp.NewFolder("fallback")]);

        Assert.Equal(Path.Combine(home, "my-data"), chosen.Path);
        Assert.True(chosen.IsExplicit);
        Assert.Null(chosen.MovedBecause);
    }

    [Fact]
    public void Not_as_root_the_default_stays_beside_the_AppHost()
    {
        var (_, appHost) = CheckoutInPrivateHome();

        var chosen = LocalDataDirectory.Choose(null, appHost, runningAsRoot: false, [TestTemp.NewFolder("fallback")]);

        Assert.Equal(Path.Combine(appHost, ".state", "postgres", "data"), chosen.Path);
        Assert.False(chosen.IsExplicit);
        Assert.Null(chosen.MovedBecause);
    }

    [Fact]
    public void As_root_in_a_reachable_folder_the_default_stays_beside_the_AppHost()
    {
        var appHost = Path.Combine(TestTemp.NewFolder("open"), "kasparro", "Kasparro.AppHost");
        Directory.CreateDirectory(appHost);

        var chosen = LocalDataDirectory.Choose(null, appHost, runningAsRoot: true, [TestTemp.NewFolder("fallback")]);

        Assert.Equal(Path.Combine(appHost, ".state", "postgres", "data"), chosen.Path);
        Assert.Null(chosen.MovedBecause);
    }

    [Fact]
    public void As_root_in_a_private_folder_the_default_moves_to_the_first_fallback_it_can_create_and_says_why()
    {
        var (home, appHost) = CheckoutInPrivateHome();
        var blockedByFile = Path.Combine(TestTemp.NewFolder("fallback"), "a-file");
        File.WriteAllText(blockedByFile, "not a folder");
        var second = Path.Combine(TestTemp.NewFolder("fallback"), "var-lib", "kasparro", "abcd1234");

        var chosen = LocalDataDirectory.Choose(null, appHost, runningAsRoot: true, [Path.Combine(blockedByFile, "kasparro"), second]);

        Assert.Equal(Path.Combine(second, "postgres", "data"), chosen.Path);
        Assert.False(chosen.IsExplicit);
        Assert.Equal($"the 'postgres' user cannot enter '{home}'", chosen.MovedBecause);
        // Created enterable by others whatever the umask, so the service account reaches the data below it.
        Assert.True(File.GetUnixFileMode(second).HasFlag(UnixFileMode.OtherExecute));
        Assert.True(File.GetUnixFileMode(Path.GetDirectoryName(second)!).HasFlag(UnixFileMode.OtherExecute));
        Assert.Null(LocalPostgresCluster.FolderBlockingServiceAccount(chosen.Path));
    }

    [Fact]
    public void The_default_fallbacks_are_under_var_lib_then_var_tmp_keyed_by_the_checkout()
    {
        var hash = LocalDataDirectory.CheckoutHash("/root/kasparro/Kasparro.AppHost");

        Assert.Matches("^[0-9a-f]{8}$", hash);
        Assert.Equal(hash, LocalDataDirectory.CheckoutHash("/root/kasparro/Kasparro.AppHost/"));
        Assert.NotEqual(hash, LocalDataDirectory.CheckoutHash("/root/kasparro-2/Kasparro.AppHost"));
        Assert.Equal([$"/var/lib/kasparro/{hash}", $"/var/tmp/kasparro-{hash}"], LocalDataDirectory.FallbackRoots(hash));
    }

    [Fact]
    public async Task A_cluster_initializes_and_starts_from_a_checkout_in_a_mode_700_folder()
    {
        var bin = LocalPostgresCluster.FindBinDirectory()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found (install postgresql-15).");
        var (home, appHost) = CheckoutInPrivateHome();
        var fallback = Path.Combine(TestTemp.NewFolder("var-lib"), "kasparro", LocalDataDirectory.CheckoutHash(appHost));
        var password = Guid.NewGuid().ToString("N");

        if (LocalPostgresCluster.RunningAsRoot)
        {
            // What happened before: the default folder under the private home cannot be used by the service account.
            var unreachable = new LocalPostgresCluster(Path.Combine(appHost, ".state", "postgres", "data"), bin);
            var refused = Assert.Throws<InvalidOperationException>(() => unreachable.Initialize(password));
            Assert.Contains($"cannot enter '{home}'", refused.Message);
        }

        var chosen = LocalDataDirectory.Choose(null, appHost, LocalPostgresCluster.RunningAsRoot, [fallback]);
        Assert.Equal(LocalPostgresCluster.RunningAsRoot ? Path.Combine(fallback, "postgres", "data") : Path.Combine(appHost, ".state", "postgres", "data"), chosen.Path);

        var cluster = new LocalPostgresCluster(chosen.Path, bin);
        cluster.Initialize(password);
        var port = LocalPostgresCluster.FindFreePort();
        using var server = await cluster.StartServerAsync(port, password, TimeSpan.FromSeconds(60));
        try
        {
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Password={password};Database=postgres");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SHOW data_directory", connection);
            Assert.Equal(chosen.Path, (string?)await command.ExecuteScalarAsync());
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            NpgsqlConnection.ClearAllPools();
        }
    }

    /// <summary>A clone at <c>&lt;home&gt;/kasparro</c> where home is mode 700, like <c>/root</c>.</summary>
    private static (string Home, string AppHost) CheckoutInPrivateHome()
    {
        var home = TestTemp.NewFolder("home");
        var appHost = Path.Combine(home, "kasparro", "Kasparro.AppHost");
        Directory.CreateDirectory(appHost);
        File.SetUnixFileMode(home, Private);
        return (home, appHost);
    }
}
