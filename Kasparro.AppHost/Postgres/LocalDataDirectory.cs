using System.Security.Cryptography;
using System.Text;

namespace Kasparro.AppHost.Postgres;

/// <summary>
/// Where the local PostgreSQL cluster keeps its data. A path set in <c>Postgres:DataDirectory</c> is used as given.
/// The default is <c>.state/postgres/data</c> beside the AppHost, unless the AppHost runs as root from a folder the
/// <c>postgres</c> service account cannot enter (e.g. a clone under <c>/root</c>, mode 700): then the data moves to a
/// folder keyed by the checkout, <c>/var/lib/kasparro/&lt;hash&gt;</c> or else <c>/var/tmp/kasparro-&lt;hash&gt;</c>, so
/// a first run works from any folder and two checkouts never share a cluster.
/// </summary>
/// <param name="Path">The data folder (absolute).</param>
/// <param name="IsExplicit">Whether the user set it; an unreachable explicit path is an error, not a silent move.</param>
/// <param name="MovedBecause">Why the default moved, or null when it did not.</param>
public sealed record LocalDataDirectory(string Path, bool IsExplicit, string? MovedBecause)
{
    /// <summary>The folders tried, in order, when the default is out of the service account's reach.</summary>
    public static IReadOnlyList<string> FallbackRoots(string checkoutHash) =>
        [$"/var/lib/kasparro/{checkoutHash}", $"/var/tmp/kasparro-{checkoutHash}"];

    /// <summary>Picks the data folder; <paramref name="fallbackRoots"/> replaces <see cref="FallbackRoots"/> (tests).</summary>
    public static LocalDataDirectory Choose(string? configured, string appHostDirectory, bool runningAsRoot, IReadOnlyList<string>? fallbackRoots = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new LocalDataDirectory(System.IO.Path.GetFullPath(configured), IsExplicit: true, MovedBecause: null);
        }

        var preferred = System.IO.Path.GetFullPath(System.IO.Path.Combine(appHostDirectory, ".state", "postgres", "data"));
        if (!runningAsRoot || LocalPostgresCluster.FolderBlockingServiceAccount(preferred) is not { } blocked)
        {
            return new LocalDataDirectory(preferred, IsExplicit: false, MovedBecause: null);
        }

        foreach (var root in fallbackRoots ?? FallbackRoots(CheckoutHash(appHostDirectory)))
        {
            var candidate = System.IO.Path.Combine(root, "postgres", "data");
            if (TryCreateTraversable(root) && LocalPostgresCluster.FolderBlockingServiceAccount(candidate) is null)
            {
                return new LocalDataDirectory(candidate, IsExplicit: false,
                    MovedBecause: $"the '{LocalPostgresCluster.ServiceAccount}' user cannot enter '{blocked}'");
            }
        }

        // Nowhere better: the cluster's own check explains what to set.
        return new LocalDataDirectory(preferred, IsExplicit: false, MovedBecause: null);
    }

    /// <summary>A short, stable name for a checkout: the first 8 hex digits of the SHA-256 of its full path.</summary>
    public static string CheckoutHash(string appHostDirectory)
    {
        var path = System.IO.Path.GetFullPath(appHostDirectory).TrimEnd(System.IO.Path.DirectorySeparatorChar);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..8].ToLowerInvariant();
    }

    /// <summary>
    /// Creates <paramref name="folder"/> and its missing parents, each enterable by others (0755 whatever root's umask
    /// is), so the service account can reach the data folder below it. False when it cannot be created.
    /// </summary>
    private static bool TryCreateTraversable(string folder)
    {
        var missing = new Stack<string>();
        for (var dir = System.IO.Path.GetFullPath(folder); !string.IsNullOrEmpty(dir) && !Directory.Exists(dir); dir = System.IO.Path.GetDirectoryName(dir))
        {
            missing.Push(dir);
        }

        try
        {
            foreach (var dir in missing)
            {
                Directory.CreateDirectory(dir);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
