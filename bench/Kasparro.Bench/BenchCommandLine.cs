using System.Globalization;

namespace Kasparro.Bench;

/// <summary>Options of the form <c>--name value</c>, and how to start this program again as a child.</summary>
public sealed class BenchCommandLine(string[] args)
{
    public string Command => args.Length > 0 ? args[0] : "help";

    /// <summary>The arguments as given, command first.</summary>
    public string[] Arguments => args;

    public string? Get(string name)
    {
        var index = Array.IndexOf(args, $"--{name}");
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public bool Has(string name) => Array.IndexOf(args, $"--{name}") >= 0;

    public long GetLong(string name, long fallback) => Get(name) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated list of numbers (<c>--rows 1000000,5000000</c>), or the one <paramref name="fallback"/>.</summary>
    public long[] GetLongs(string name, long fallback) =>
        Get(name) is { } text ? [.. text.Split(',', StringSplitOptions.TrimEntries).Select(n => long.Parse(n, CultureInfo.InvariantCulture))] : [fallback];

    /// <summary>The arguments that run this same program with <paramref name="arguments"/> (apphost or <c>dotnet Kasparro.Bench.dll</c>).</summary>
    public static IEnumerable<string> SelfArguments(params string[] arguments)
    {
        var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath ?? "");
        return host == "dotnet" ? [typeof(BenchCommandLine).Assembly.Location, .. arguments] : arguments;
    }
}
