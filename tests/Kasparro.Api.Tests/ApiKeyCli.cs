using System.Text.RegularExpressions;
using Kasparro.Api.Security;
using Kasparro.Data;

namespace Kasparro.Api.Tests;

/// <summary>Runs <c>Kasparro.Api --create-key / --revoke-key / --list-keys</c> the way Program does, against a test database.</summary>
public static partial class ApiKeyCli
{
    /// <summary>What the command printed, and its exit code.</summary>
    public sealed record Outcome(int ExitCode, string Output, string Error)
    {
        /// <summary>The last printed line (where <c>--create-key</c> puts the key).</summary>
        public string LastLine => Output.TrimEnd().Split('\n')[^1].Trim();
    }

    public static async Task<Outcome> RunAsync(string connectionString, params string[] args)
    {
        var (command, error) = ApiKeyCommandLine.Parse([.. args, $"--ConnectionStrings:{ResourceNames.Database}={connectionString}"]);
        Assert.Null(error);
        Assert.NotNull(command);
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exitCode = await command.RunAsync(output, errors);
        return new Outcome(exitCode, output.ToString(), errors.ToString());
    }

    /// <summary>Creates a key and returns its id and text.</summary>
    public static async Task<(long Id, string Key)> CreateAsync(string connectionString, string name, string role = ApiRoles.Reader, int? rateLimit = null)
    {
        string[] args = rateLimit is { } limit
            ? ["--create-key", name, "--role", role, "--rate-limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            : ["--create-key", name, "--role", role];
        var outcome = await RunAsync(connectionString, args);
        Assert.Equal(0, outcome.ExitCode);
        var id = long.Parse(CreatedId().Match(outcome.Output).Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture);
        return (id, outcome.LastLine);
    }

    [GeneratedRegex(@"Created API key (?<id>\d+) ")]
    private static partial Regex CreatedId();
}
