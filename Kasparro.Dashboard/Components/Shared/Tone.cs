namespace Kasparro.Dashboard.Components.Shared;

/// <summary>What a badge or marker says about its subject; each maps to one of Fluent UI's status tokens.</summary>
public enum Tone
{
    Success,
    Warning,
    Error,
    Neutral,
}

/// <summary>
/// Status colours from Fluent UI's tokens (<c>--success</c>, <c>--warning</c>, <c>--error</c>) mixed with the theme's
/// own layer and foreground tokens, so a badge is a tint of the theme (dark in the dark theme) with the theme's text
/// colour on it: readable in light, dark and forced-colours (high contrast) modes alike.
/// </summary>
public static class Tones
{
    /// <summary>The badge background: a tint of the status colour over the theme's card layer.</summary>
    public static string Fill(Tone tone) => tone == Tone.Neutral
        ? "var(--neutral-fill-secondary-rest)"
        : $"color-mix(in srgb, var(--{Token(tone)}) 28%, var(--neutral-layer-1))";

    /// <summary>The status colour itself, for a card's edge.</summary>
    public static string Edge(Tone tone) => tone == Tone.Neutral ? "var(--neutral-stroke-rest)" : $"var(--{Token(tone)})";

    /// <summary>Text on a badge: the theme's foreground.</summary>
    public const string Text = "var(--neutral-foreground-rest)";

    /// <summary>The name FluentBadge's <c>Fill</c> gives the fill (its CSS variable is <c>--badge-fill-{name}</c>).</summary>
    public static string Name(Tone tone) => tone.ToString().ToLowerInvariant();

    private static string Token(Tone tone) => tone switch
    {
        Tone.Success => "success",
        Tone.Warning => "warning",
        _ => "error",
    };
}
