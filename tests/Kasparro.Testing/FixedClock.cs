namespace Kasparro.Testing;

/// <summary>A clock that stays at one instant: a test's "now" for retention, compaction and anything that ages.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
