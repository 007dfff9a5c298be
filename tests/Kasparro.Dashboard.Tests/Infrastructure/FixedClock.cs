namespace Kasparro.Dashboard.Tests.Infrastructure;

/// <summary>A clock that stays at one instant, so ages ("4 min ago") and "today" are predictable.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
