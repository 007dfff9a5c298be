using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kasparro.Data.Migrations
{
    /// <summary>
    /// Statement-level triggers that NOTIFY <see cref="HistoryChanges.Channel"/> with the asset ids whose history an
    /// insert, update or delete touched (from the statement's transition tables: one notification per statement, not per
    /// row), and "any asset" for a truncate. A mapping change moves a series between assets, so asset_mappings
    /// notifies too. Their cost on a bulk load is within the noise (docs/performance.md, Read path).
    /// </summary>
    public partial class HistoryChangeNotifications : Migration
    {
        private static readonly string[] Tables = ["price_history", "asset_mappings"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($$"""
                CREATE FUNCTION notify_history_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    assets text[];
                    asset text;
                    payload text := '';
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        PERFORM pg_notify('{{HistoryChanges.Channel}}', '{{HistoryChanges.AnyAsset}}');
                        RETURN NULL;
                    ELSIF TG_OP = 'UPDATE' THEN
                        -- A row may have moved from one asset to another: both change.
                        SELECT array_agg(DISTINCT a) INTO assets
                          FROM (SELECT asset_id FROM changed UNION ALL SELECT asset_id FROM changed_before) AS both_sides(a);
                    ELSE
                        SELECT array_agg(DISTINCT asset_id) INTO assets FROM changed;
                    END IF;

                    FOREACH asset IN ARRAY coalesce(assets, '{}') LOOP
                        CONTINUE WHEN asset IS NULL;
                        IF payload <> '' AND octet_length(payload) + octet_length(asset) + 1 > {{HistoryChanges.MostPayloadBytes}} THEN
                            PERFORM pg_notify('{{HistoryChanges.Channel}}', payload);
                            payload := '';
                        END IF;
                        payload := CASE WHEN payload = '' THEN asset ELSE payload || '{{HistoryChanges.Separator}}' || asset END;
                    END LOOP;
                    IF payload <> '' THEN
                        PERFORM pg_notify('{{HistoryChanges.Channel}}', payload);
                    END IF;
                    RETURN NULL;
                END $$;
                """);

            foreach (var table in Tables)
            {
                // A trigger with transition tables handles one event; statement-level, so a batch sends one
                // notification (or a few, for long lists), not one per row.
                migrationBuilder.Sql($"""
                    CREATE TRIGGER {table}_inserted_notify AFTER INSERT ON {table}
                        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_history_changed();
                    CREATE TRIGGER {table}_updated_notify AFTER UPDATE ON {table}
                        REFERENCING OLD TABLE AS changed_before NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_history_changed();
                    CREATE TRIGGER {table}_deleted_notify AFTER DELETE ON {table}
                        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_history_changed();
                    CREATE TRIGGER {table}_truncated_notify AFTER TRUNCATE ON {table}
                        FOR EACH STATEMENT EXECUTE FUNCTION notify_history_changed();
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"""
                    DROP TRIGGER {table}_inserted_notify ON {table};
                    DROP TRIGGER {table}_updated_notify ON {table};
                    DROP TRIGGER {table}_deleted_notify ON {table};
                    DROP TRIGGER {table}_truncated_notify ON {table};
                    """);
            }

            migrationBuilder.Sql("DROP FUNCTION notify_history_changed();");
        }
    }
}
