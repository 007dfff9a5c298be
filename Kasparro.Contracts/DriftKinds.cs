namespace Kasparro.Contracts;

/// <summary>Kinds of schema drift: the <c>kind</c> of every drift event and of the <c>GET /drift</c> filter.</summary>
public static class DriftKinds
{
    public const string MissingRequired = "missing_required";
    public const string MissingOptional = "missing_optional";
    public const string Unknown = "unknown_field";
    public const string Renamed = "renamed";

    public static readonly IReadOnlyList<string> All = [MissingRequired, MissingOptional, Unknown, Renamed];
}
