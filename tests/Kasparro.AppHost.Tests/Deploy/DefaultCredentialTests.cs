using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kasparro.AppHost.Tests.Deploy;

/// <summary>
/// No default credentials anywhere in the repository: the tracked files (git ls-files) are searched for
/// passwords in connection strings, secret-named settings with literal values, well-known default passwords
/// and private keys. Test code may hold throw-away test tokens; nothing that ships may hold any.
/// </summary>
public sealed partial class DefaultCredentialTests
{
    private const string ThisFile = "tests/Kasparro.AppHost.Tests/Deploy/DefaultCredentialTests.cs";

    [Fact]
    public void No_tracked_file_holds_a_credential_looking_default()
    {
        var root = RepositoryRoot.Location;
        var files = TrackedFiles(root);
        Assert.True(files.Count > 100, $"git ls-files found only {files.Count} files under {root}");

        var findings = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(root, file);
            // This file's own examples of what the scan looks for are the one expected match.
            if (file == ThisFile || !File.Exists(path) || new FileInfo(path).Length > 2_000_000 || IsBinary(path))
            {
                continue;
            }

            var shipped = !file.StartsWith("tests/", StringComparison.Ordinal);
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (ConnectionStringPassword().IsMatch(line) || PrivateKey().IsMatch(line) || WellKnownDefault().IsMatch(line)
                    || (IsSettingsFile(file) && SecretSetting().IsMatch(line))
                    || (shipped && file.EndsWith(".cs", StringComparison.Ordinal) && SecretLiteral().IsMatch(line)))
                {
                    findings.Add($"{file}:{i + 1}: {line.Trim()}");
                }
            }
        }

        Assert.True(findings.Count == 0, "Credential-looking defaults:\n" + string.Join('\n', findings));
    }

    [Theory]
    [InlineData("Host=db;Username=postgres;Password=postgres;Database=kasparro")]
    [InlineData("  \"ApiKey\": \"CG-abc123\",")]
    [InlineData("POSTGRES_PASSWORD=changeme")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----")]
    public void The_scan_recognises_what_it_looks_for(string line) =>
        Assert.True(ConnectionStringPassword().IsMatch(line) || PrivateKey().IsMatch(line) || WellKnownDefault().IsMatch(line) || SecretSetting().IsMatch(line));

    [Theory]
    [InlineData("$\"Host=127.0.0.1;Password={Password};Database={database}\"")]
    [InlineData("  \"ApiKey\": \"\",")]
    [InlineData("var password = builder.AddParameter(\"postgres-password\", secret: true);")]
    [InlineData("Host=<host>;Username=...;Password=...;Password=<password>")]
    public void The_scan_lets_placeholders_and_empty_values_pass(string line) =>
        Assert.False(ConnectionStringPassword().IsMatch(line) || PrivateKey().IsMatch(line) || WellKnownDefault().IsMatch(line) || SecretSetting().IsMatch(line));

    private static bool IsSettingsFile(string file) =>
        file.EndsWith(".json", StringComparison.Ordinal) || file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal)
        || file.EndsWith(".env", StringComparison.Ordinal) || file.EndsWith(".bicep", StringComparison.Ordinal) || file.EndsWith(".props", StringComparison.Ordinal);

    /// <summary><c>Password=literal</c> in a connection string (placeholders like <c>{Password}</c>, <c>&lt;password&gt;</c>, <c>...</c> are fine).</summary>
    [GeneratedRegex(@"(?i)\b(password|pwd)=(?![{<$.;""'\s])[^;""'\s{<]+")]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----")]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"(?i)(POSTGRES_PASSWORD\s*[=:]\s*\S+|\bchangeme\b|postgres:postgres@|admin:admin@)")]
    private static partial Regex WellKnownDefault();

    /// <summary>A setting named like a secret with a non-empty literal value in JSON or YAML.</summary>
    [GeneratedRegex(@"(?i)""?\b\w*(password|secret|apikey|api_key|token)\w*""?\s*[:=]\s*""[^""{$\s][^""]*""")]
    private static partial Regex SecretSetting();

    /// <summary>In shipped C#: a secret-named member or variable assigned a string literal.</summary>
    [GeneratedRegex(@"(?i)\b(\w*(password|secret|apikey)\w*|\w*token)\s*=\s*""[^""]+""")]
    private static partial Regex SecretLiteral();

    private static bool IsBinary(string path)
    {
        Span<byte> head = stackalloc byte[512];
        using var stream = File.OpenRead(path);
        var read = stream.Read(head);
        return head[..read].Contains((byte)0);
    }

    private static List<string> TrackedFiles(string root)
    {
        var start = new ProcessStartInfo("git", ["ls-files", "-z"]) { WorkingDirectory = root, RedirectStandardOutput = true };
        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        return [.. output.Split('\0', StringSplitOptions.RemoveEmptyEntries)];
    }
}
