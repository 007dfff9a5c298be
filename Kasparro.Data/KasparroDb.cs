using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Kasparro.Data;

/// <summary>The Kasparro database: raw payloads, normalized records, history, assets, runs and data quality.</summary>
public class KasparroDb(DbContextOptions<KasparroDb> options) : DbContext(options)
{
    public DbSet<Asset> Assets => Set<Asset>();
    public DbSet<AssetMapping> AssetMappings => Set<AssetMapping>();
    public DbSet<RawRecord> RawRecords => Set<RawRecord>();
    public DbSet<MarketRecord> MarketRecords => Set<MarketRecord>();
    public DbSet<PricePoint> PriceHistory => Set<PricePoint>();
    public DbSet<EtlCheckpoint> EtlCheckpoints => Set<EtlCheckpoint>();
    public DbSet<EtlRun> EtlRuns => Set<EtlRun>();
    public DbSet<SchemaDriftEvent> SchemaDriftEvents => Set<SchemaDriftEvent>();
    public DbSet<QuarantinedRecord> QuarantinedRecords => Set<QuarantinedRecord>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Asset>(e =>
        {
            e.ToTable("assets");
            e.HasKey(a => a.Id);
            e.HasIndex(a => a.Symbol);
        });

        model.Entity<AssetMapping>(e =>
        {
            e.ToTable("asset_mappings");
            e.HasKey(m => new { m.Source, m.SourceId });
            e.HasIndex(m => m.AssetId);
            e.Property(m => m.Confidence).HasPrecision(4, 3);
            e.HasOne<Asset>().WithMany().HasForeignKey(m => m.AssetId);
        });

        model.Entity<RawRecord>(e =>
        {
            e.ToTable("raw_records");
            e.HasIndex(r => new { r.Source, r.ContentHash }).IsUnique();
            e.HasIndex(r => new { r.Source, r.SourceId });
            e.Property(r => r.Payload).HasColumnType("jsonb");
        });

        model.Entity<MarketRecord>(e =>
        {
            // The original system's table name: REST clients and analysts' SQL know it.
            e.ToTable("normalized_records");
            e.HasKey(r => r.Id);
            e.HasIndex(r => new { r.Source, r.SourceId }).IsUnique();
            e.HasIndex(r => new { r.Ticker, r.Id });
            e.HasIndex(r => new { r.Source, r.Id });
            e.HasIndex(r => r.AssetId);
            e.HasIndex(r => r.CreatedAt);
            // Column names of the original system's table, which analysts' SQL already uses.
            e.Property(r => r.Volume24hUsd).HasColumnName("volume_24h_usd");
            e.Property(r => r.PercentChange24h).HasColumnName("percent_change_24h");
        });

        model.Entity<PricePoint>(e =>
        {
            e.ToTable("price_history");
            e.HasKey(p => new { p.Source, p.SourceId, p.ObservedAt });
            // Covering: a history read (asset, time range) is an index-only scan instead of one heap page per point,
            // since the points of one asset are spread over the whole table (rows arrive in time order).
            e.HasIndex(p => new { p.AssetId, p.ObservedAt })
                .IncludeProperties(p => new { p.Source, p.PriceUsd, p.MarketCapUsd, p.Volume24hUsd });
            e.Property(p => p.Volume24hUsd).HasColumnName("volume_24h_usd");
        });

        model.Entity<EtlCheckpoint>(e =>
        {
            e.ToTable("etl_checkpoints");
            e.HasKey(c => c.Key);
            e.HasIndex(c => c.Source);
        });

        model.Entity<EtlRun>(e =>
        {
            e.ToTable("etl_runs");
            e.HasIndex(r => new { r.Source, r.StartedAt });
            e.HasIndex(r => r.StartedAt);
            e.HasIndex(r => r.Status);
            e.HasIndex(r => r.TriggerId);
        });

        model.Entity<SchemaDriftEvent>(e =>
        {
            e.ToTable("schema_drift_events");
            e.HasIndex(d => new { d.Source, d.Field, d.Kind }).IsUnique();
            e.Property(d => d.Confidence).HasPrecision(4, 3);
        });

        model.Entity<QuarantinedRecord>(e =>
        {
            e.ToTable("quarantined_records");
            e.HasIndex(q => q.RunId);
            e.HasIndex(q => new { q.Source, q.QuarantinedAt });
        });
    }
}
