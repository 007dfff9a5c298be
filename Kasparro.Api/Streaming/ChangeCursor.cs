namespace Kasparro.Api.Streaming;

/// <summary>
/// A place in the change log: the writing transaction (xid8) and the row id. Changes are read in this order, which
/// (unlike id order alone) never lets a change that commits later land behind one already read.
/// </summary>
public readonly record struct ChangeCursor(long Xid, long Id) : IComparable<ChangeCursor>
{
    /// <summary>Before every change.</summary>
    public static readonly ChangeCursor Start = new(0, 0);

    public int CompareTo(ChangeCursor other) => Xid != other.Xid ? Xid.CompareTo(other.Xid) : Id.CompareTo(other.Id);

    public static bool operator <(ChangeCursor left, ChangeCursor right) => left.CompareTo(right) < 0;

    public static bool operator >(ChangeCursor left, ChangeCursor right) => left.CompareTo(right) > 0;

    public static bool operator <=(ChangeCursor left, ChangeCursor right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ChangeCursor left, ChangeCursor right) => left.CompareTo(right) >= 0;
}
