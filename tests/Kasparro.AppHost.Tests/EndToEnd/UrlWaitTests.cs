using System.Text.RegularExpressions;
using Kasparro.AppHost.Tests.Deploy;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>
/// Browser tests wait for an address only through <see cref="DashboardPage.WhenUrlMatchesAsync"/>: Playwright's
/// WaitForURLAsync can miss an in-page navigation and time out on a page already at the address (why: that method's remarks).
/// </summary>
public sealed partial class UrlWaitTests
{
    [Fact]
    public void No_test_waits_for_an_address_with_WaitForURLAsync()
    {
        var tests = Path.Combine(RepositoryRoot.Location, "tests");
        var sources = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(sources, f => f.EndsWith("DashboardUrlStateTests.cs", StringComparison.Ordinal));

        var calls = sources
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(tests, f), Line: i + 1, Text: line)))
            .Where(l => WaitForUrlCall().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(calls.Count == 0, "Use DashboardPage.WhenUrlMatchesAsync instead:\n" + string.Join('\n', calls));
    }

    [GeneratedRegex(@"\.WaitForURLAsync\(")]
    private static partial Regex WaitForUrlCall();
}
