using Kasparro.AppHost.Tests.Stack;

namespace Kasparro.AppHost.Tests.EndToEnd;

/// <summary>The AppHost started with extra configuration decided at run time (upstream URLs, a CSV folder, a token).</summary>
public sealed class StackWithArguments(IReadOnlyList<string> arguments) : StackFixture
{
    protected override IEnumerable<string> ExtraArguments() => arguments;
}
