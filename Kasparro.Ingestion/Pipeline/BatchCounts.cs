namespace Kasparro.Ingestion.Pipeline;

/// <summary>What one committed batch did: every fetched record is inserted, updated, unchanged or quarantined.</summary>
public readonly record struct BatchCounts(int Fetched, int Inserted, int Updated, int Unchanged, int Quarantined)
{
    public static BatchCounts operator +(BatchCounts a, BatchCounts b) => new(
        a.Fetched + b.Fetched, a.Inserted + b.Inserted, a.Updated + b.Updated, a.Unchanged + b.Unchanged, a.Quarantined + b.Quarantined);
}
