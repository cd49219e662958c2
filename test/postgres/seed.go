package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SeedWide creates database (when missing) with a schema "wide" of tables
// tables, each with columns columns: id bigint primary key, parent_id
// referencing the previous table (so every table but the first has a
// foreign key), then integer, text, numeric, timestamptz and boolean
// columns in turn; every fifth column has a comment. The tables are named
// t00001, t00002, ... It is the benchmark database of the PostgreSQL
// source (2,000 x 20 in the issue), made by one DO block that commits
// every 100 tables. When the schema already holds that many tables it
// does nothing, so several benchmarks can share one server.
func (s *Server) SeedWide(ctx context.Context, database string, tables, columns int) error {
	if tables < 1 || columns < 2 {
		return fmt.Errorf("SeedWide: need at least 1 table and 2 columns, got %d x %d", tables, columns)
	}
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return err
	}
	var exists bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, database).Scan(&exists)
	if err == nil && !exists {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{database}.Sanitize())
	}
	_ = conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("SeedWide: creating database %s: %w", database, err)
	}

	conn, err = pgx.Connect(ctx, s.DSN(database))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var have int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'wide' AND c.relkind = 'r'`).Scan(&have); err != nil {
		return err
	}
	if have == tables {
		return nil
	}
	if have != 0 {
		return fmt.Errorf("SeedWide: schema wide of %s already has %d tables, want %d", database, have, tables)
	}
	// format() and string_agg build each CREATE TABLE; COMMIT inside the
	// loop keeps the lock table small (a DO block sent alone, outside a
	// transaction block, may commit).
	if _, err := conn.Exec(ctx, `CREATE SCHEMA wide`); err != nil {
		return fmt.Errorf("SeedWide: %w", err)
	}
	sql := fmt.Sprintf(`DO $seed$
DECLARE
  types text[] := ARRAY['integer', 'text', 'numeric(12,2)', 'timestamptz', 'boolean'];
  cols text;
  parent text;
BEGIN
  FOR i IN 1..%d LOOP
    SELECT string_agg(format('c%%s %%s', j, types[1 + j %% 5]), ', ' ORDER BY j) INTO cols
      FROM generate_series(3, %d) AS j;
    parent := CASE WHEN i = 1 THEN 'bigint' ELSE format('bigint REFERENCES wide.t%%s (id)', lpad((i - 1)::text, 5, '0')) END;
    EXECUTE format('CREATE TABLE wide.t%%s (id bigint PRIMARY KEY, parent_id %%s%%s)',
      lpad(i::text, 5, '0'), parent, CASE WHEN cols IS NULL THEN '' ELSE ', ' || cols END);
    EXECUTE format('COMMENT ON TABLE wide.t%%s IS %%L', lpad(i::text, 5, '0'), 'Table number ' || i);
    FOR j IN 5..%d BY 5 LOOP
      EXECUTE format('COMMENT ON COLUMN wide.t%%s.c%%s IS %%L', lpad(i::text, 5, '0'), j, 'Column ' || j);
    END LOOP;
    IF i %% 100 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END
$seed$;`, tables, columns, columns)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("SeedWide: %w", err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("SeedWide: %w", err)
	}
	// The first connection after catalogue changes rewrites the relation
	// cache file, which pg_database_size counts: make it now, so that the
	// database's size is the same in every discovery that follows.
	warm, err := pgx.Connect(ctx, s.DSN(database))
	if err != nil {
		return err
	}
	return warm.Close(ctx)
}
