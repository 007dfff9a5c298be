using Kasparro.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

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
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<SourceState> SourceStates => Set<SourceState>();
    public DbSet<AlertRule> AlertRules => Set<AlertRule>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<AlertDelivery> AlertDeliveries => Set<AlertDelivery>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Asset>(e =>
        {
            e.ToTable("assets", t => FitDecimal(t, "assets"));
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
            // lz4 compresses a CSV batch's lines (about 1.5 MB) several times faster than the default pglz.
            e.Property(r => r.Payload).HasColumnType("json").UseCompressionMethod("lz4");
        });

        model.Entity<MarketRecord>(e =>
        {
            // The original system's table name: REST clients and analysts' SQL know it.
            e.ToTable("normalized_records", t => FitDecimal(t, "normalized_records"));
            e.HasKey(r => r.Id);
            e.HasIndex(r => new { r.Source, r.SourceId }).IsUnique();
            e.HasIndex(r => new { r.Ticker, r.Id });
            e.HasIndex(r => new { r.Source, r.Id });
            e.HasIndex(r => r.AssetId);
            // No index on created_at, and room left on each page: every batch moves the latest record of each source
            // id forward, and an update that changes no indexed column and fits its page is a HOT update (no index
            // entries at all) instead of one new entry in each of the indexes above (docs/performance.md). The table
            // holds one row per coin and source, so a date filter on it scans a few thousand pages at most.
            e.HasStorageParameter("fillfactor", 70);
            // Column names of the original system's table, which analysts' SQL already uses.
            e.Property(r => r.Volume24hUsd).HasColumnName("volume_24h_usd");
            e.Property(r => r.PercentChange24h).HasColumnName("percent_change_24h");
        });

        model.Entity<PricePoint>(e =>
        {
            // A view over the narrow, partitioned storage (migration NarrowPartitionedHistory, HistoryStorage): EF
            // reads and writes it like a table, and the migrations own its definition.
            e.ToTable("price_history", t => t.ExcludeFromMigrations());
            e.HasKey(p => new { p.Source, p.SourceId, p.ObservedAt });
            e.Property(p => p.Source).UseCollation("C");
            e.Property(p => p.SourceId).UseCollation("C");
            e.Property(p => p.Volume24hUsd).HasColumnName("volume_24h_usd");
        });

        model.Entity<EtlCheckpoint>(e =>
        {
            e.ToTable("etl_checkpoints");
            e.HasKey(c => c.Key);
            e.HasIndex(c => c.Source);
        });

        model.Entity<SourceState>(e =>
        {
            e.ToTable("source_states");
            e.HasKey(s => s.Source);
            e.Ignore(s => s.IsPaused);
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

        model.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys", t => t.HasCheckConstraint("ck_api_keys_role", "role IN ('reader', 'operator')"));
            e.HasIndex(k => k.Prefix).IsUnique();
        });

        model.Entity<AuditEvent>(e =>
        {
            e.ToTable("audit_events");
            e.HasIndex(a => a.At);
        });

        model.Entity<AlertRule>(e =>
        {
            e.ToTable("alert_rules");
            e.Property(r => r.Kind).HasMaxLength(20);
            e.Property(r => r.Origin).HasMaxLength(10);
        });

        model.Entity<Alert>(e =>
        {
            e.ToTable("alerts");
            // Deleting a rule deletes its alerts; their undelivered webhook events stay (AlertDelivery.AlertId is set null).
            e.HasOne<AlertRule>().WithMany().HasForeignKey(a => a.RuleId).OnDelete(DeleteBehavior.Cascade);
            // One open alert per rule and subject: a second evaluation (another replica) cannot open a duplicate.
            e.HasIndex(a => new { a.RuleId, a.Subject }).IsUnique().HasFilter("state = 'open'").HasDatabaseName("ix_alerts_one_open_per_rule_subject");
            e.HasIndex(a => new { a.RuleId, a.Subject, a.ResolvedAt });
            e.HasIndex(a => new { a.State, a.OpenedAt });
            e.Property(a => a.State).HasMaxLength(10);
            e.Property(a => a.Details).HasColumnType("jsonb");
        });

        model.Entity<AlertDelivery>(e =>
        {
            e.ToTable("alert_deliveries");
            e.HasOne<Alert>().WithMany().HasForeignKey(d => d.AlertId).OnDelete(DeleteBehavior.SetNull);
            // The outbox's work queue: only undelivered rows, by when they are due.
            e.HasIndex(d => d.NextAttemptAt).HasFilter("delivered_at IS NULL").HasDatabaseName("ix_alert_deliveries_pending");
            e.Property(d => d.Event).HasMaxLength(10);
        });
    }

    /// <summary>The table's values must read back as decimals (migration DecimalFitChecks creates the constraint).</summary>
    private static void FitDecimal<T>(TableBuilder<T> table, string name)
        where T : class
    {
        var (constraint, sql) = DecimalFit.For(name);
        table.HasCheckConstraint(constraint, sql);
    }
}
