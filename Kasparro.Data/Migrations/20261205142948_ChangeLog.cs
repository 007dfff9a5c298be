using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// The change feed behind <c>GET /stream</c> (<see cref="Data.ChangeLog"/>): the <c>change_log</c> table and
    /// statement-level triggers on normalized_records (insert, and updates that change values or the observed time) and
    /// etl_runs (insert, update) that write it in the writing transaction and NOTIFY <see cref="Data.ChangeLog.Channel"/>.
    /// Statement-level with transition tables, so a COPY-fed set-based upsert of 20,000 records is one log row.
    /// </summary>
    public partial class ChangeLog : Migration
    {
        // The updated records whose values or observed time changed; ingested_at alone is not a change.
        private const string ValuesChanged = """
            SELECT c.* FROM changed c JOIN changed_before b ON b.id = c.id
             WHERE (c.asset_id, c.ticker, c.name, c.price_usd, c.market_cap_usd, c.volume_24h_usd, c.percent_change_24h, c.created_at)
                   IS DISTINCT FROM
                   (b.asset_id, b.ticker, b.name, b.price_usd, b.market_cap_usd, b.volume_24h_usd, b.percent_change_24h, b.created_at)
            """;

        /// <summary>
        /// One log row per source among <paramref name="records"/>, with the record ids in id order (the order events
        /// go out in) and the run of that source that is running (one at a time per source: the source lock).
        /// </summary>
        private static string InsertPriceRows(string records) => $$"""
            INSERT INTO change_log (kind, source, run_id, record_ids, asset_ids, observed_at)
            SELECT '{{Data.ChangeLog.PriceKind}}', c.source,
                   (SELECT r.id FROM etl_runs r WHERE r.source = c.source AND r.status = 'running' ORDER BY r.id DESC LIMIT 1),
                   array_agg(c.id ORDER BY c.id),
                   coalesce(array_agg(DISTINCT c.asset_id) FILTER (WHERE c.asset_id IS NOT NULL), '{}'),
                   max(c.created_at)
              FROM {{records}} AS c GROUP BY c.source ORDER BY c.source;
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($$"""
                CREATE TABLE change_log (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    kind text NOT NULL CHECK (kind IN ('{{Data.ChangeLog.PriceKind}}', '{{Data.ChangeLog.RunKind}}')),
                    source text NOT NULL,
                    run_id bigint,
                    record_ids text[] NOT NULL DEFAULT '{}',
                    asset_ids text[] NOT NULL DEFAULT '{}',
                    observed_at timestamptz,
                    -- A run change carries the run row as it was committed, so a stream shows each state, not the latest.
                    run_row jsonb,
                    -- When the row was written, close to its commit: the latency benchmark measures from here.
                    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    -- The writing transaction. Ids are taken at insert, not at commit, so id order is not commit order;
                    -- readers take rows in (xid, id) order and only those of transactions older than every one still
                    -- running (pg_snapshot_xmin), which can gain no more rows: nothing is skipped, writers never wait.
                    xid xid8 NOT NULL DEFAULT pg_current_xact_id()
                );
                CREATE INDEX ix_change_log_created_at ON change_log (created_at);
                CREATE UNIQUE INDEX ix_change_log_xid_id ON change_log (xid, id);

                CREATE FUNCTION log_price_changes() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' THEN
                        PERFORM 1 FROM ({{ValuesChanged}}) AS c LIMIT 1;
                        IF NOT FOUND THEN
                            RETURN NULL;
                        END IF;
                        {{InsertPriceRows("(" + ValuesChanged + ")")}}
                    ELSE
                        PERFORM 1 FROM changed LIMIT 1;
                        IF NOT FOUND THEN
                            RETURN NULL;
                        END IF;
                        {{InsertPriceRows("changed")}}
                    END IF;
                    PERFORM pg_notify('{{Data.ChangeLog.Channel}}', currval(pg_get_serial_sequence('change_log', 'id'))::text);
                    RETURN NULL;
                END $$;

                CREATE FUNCTION log_run_changes() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM 1 FROM changed LIMIT 1;
                    IF NOT FOUND THEN
                        RETURN NULL;
                    END IF;
                    INSERT INTO change_log (kind, source, run_id, run_row)
                    SELECT '{{Data.ChangeLog.RunKind}}', c.source, c.id, to_jsonb(c) FROM changed c ORDER BY c.id;
                    PERFORM pg_notify('{{Data.ChangeLog.Channel}}', currval(pg_get_serial_sequence('change_log', 'id'))::text);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER normalized_records_inserted_log AFTER INSERT ON normalized_records
                    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION log_price_changes();
                CREATE TRIGGER normalized_records_updated_log AFTER UPDATE ON normalized_records
                    REFERENCING OLD TABLE AS changed_before NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION log_price_changes();
                CREATE TRIGGER etl_runs_inserted_log AFTER INSERT ON etl_runs
                    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION log_run_changes();
                CREATE TRIGGER etl_runs_updated_log AFTER UPDATE ON etl_runs
                    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION log_run_changes();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER normalized_records_inserted_log ON normalized_records;
                DROP TRIGGER normalized_records_updated_log ON normalized_records;
                DROP TRIGGER etl_runs_inserted_log ON etl_runs;
                DROP TRIGGER etl_runs_updated_log ON etl_runs;
                DROP FUNCTION log_price_changes();
                DROP FUNCTION log_run_changes();
                DROP TABLE change_log;
                """);
        }
    }
}
