package postgresql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// Limits, as upstream (contract §10.5).
const (
	// DiscoveryTimeout bounds a whole discovery.
	DiscoveryTimeout = 10 * time.Minute
	// DatabaseTimeout bounds the discovery of one database.
	DatabaseTimeout = 2 * time.Minute
	// QueryTimeout bounds each catalogue query (and is the server-side
	// statement_timeout).
	QueryTimeout = 30 * time.Second
	// ConnectTimeout bounds connecting to one database.
	ConnectTimeout = 15 * time.Second
)

// BatchSize is the most items Discover passes to emit at once.
const BatchSize = 500

// fetchSize is how many relation/column rows one FETCH reads.
const fetchSize = 2000

// Provider is providers[0] of every asset, and so part of every MRN.
const Provider = "PostgreSQL"

// Discover connects to cfg's server (first to its postgres database, as
// upstream), and streams to emit, in batches of at most BatchSize items:
// one Database asset per non-template database, then for each database it
// can connect to its tables, views and materialized views with a CONTAINS
// edge from the database to each, statistics when cfg.EnableMetrics, and
// FOREIGN_KEY edges when cfg.DiscoverForeignKeys. The assets have the
// names, MRNs, metadata and schema of upstream's postgresql source
// (README.md lists where they differ). Connections go through dial (nil:
// net.Dialer). Logs go to slog.Default().
//
// A database the user may not connect to is skipped with a warning, as
// upstream. Any other failure stops discovery with a *source.Error
// (Retryable when trying again may help), since a run that left a
// database out would make Marmot delete that database's assets as stale.
// An error returned by emit stops discovery and is returned as it is.
func Discover(ctx context.Context, cfg Config, dial DialFunc, emit func([]model.Item) error) error {
	if err := cfg.check(); err != nil {
		return &source.Error{Message: "invalid config: " + err.Error()}
	}
	tlsConf, err := tlsConfig(cfg)
	if err != nil {
		return &source.Error{Message: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	d := &discoverer{
		cfg:  cfg,
		tls:  tlsConf,
		dial: dial,
		now:  time.Now().UTC(),
		log:  slog.Default(),
		out:  batcher{emit: emit},
	}
	if err := d.run(ctx); err != nil {
		return err
	}
	return d.out.flush()
}

type discoverer struct {
	cfg  Config
	tls  *tls.Config
	dial DialFunc
	now  time.Time
	log  *slog.Logger
	out  batcher
}

// batcher collects items and hands them to emit BatchSize at a time.
type batcher struct {
	emit func([]model.Item) error
	buf  []model.Item
	err  error // the error emit returned, returned as it is
}

func (b *batcher) add(it model.Item) error {
	if b.err != nil {
		return b.err
	}
	if b.buf == nil {
		b.buf = make([]model.Item, 0, BatchSize)
	}
	b.buf = append(b.buf, it)
	if len(b.buf) >= BatchSize {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if b.err != nil || len(b.buf) == 0 {
		return b.err
	}
	batch := b.buf
	b.buf = nil
	b.err = b.emit(batch)
	return b.err
}

// database is one row of pg_database.
type database struct {
	name       string
	canConnect bool // CONNECT privilege and datallowconn
	mrn        string
}

const initialDatabase = "postgres"

func (d *discoverer) run(ctx context.Context) error {
	conn, err := d.connect(ctx, initialDatabase)
	if err != nil {
		return d.fail(ctx, "connecting to database "+initialDatabase, err)
	}
	defer closeConn(conn)
	dbs, err := d.databases(ctx, conn)
	if err != nil {
		return err
	}
	for _, db := range dbs {
		switch {
		case db.name == "template0" || db.name == "template1":
			continue // as upstream
		case !db.canConnect:
			d.log.Warn("postgresql: skipping database: the user may not connect to it", "database", db.name)
			continue
		}
		var c *pgx.Conn
		if db.name == initialDatabase {
			c = conn
		}
		if err := d.database(ctx, db, c); err != nil {
			return err
		}
	}
	return nil
}

// fail turns err into the error Discover returns: emit's error as it is,
// else a *source.Error saying what failed.
func (d *discoverer) fail(ctx context.Context, what string, err error) error {
	if d.out.err != nil {
		return d.out.err
	}
	// Say when a time limit, not the server, ended it.
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w (time limit reached)", err)
	}
	return &source.Error{Message: "postgresql: " + what + ": " + err.Error(), Retryable: retryable(err)}
}

// retryable says whether trying again may help: yes for network trouble,
// timeouts and server-side resource or shutdown errors; no for
// authentication, privileges, certificates and bad SQL.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && len(pgErr.Code) == 5 {
		switch pgErr.Code[:2] {
		case "08", "40", "53", "57", "58":
			return true
		}
		return false
	}
	var (
		verr  *tls.CertificateVerificationError
		uaerr x509.UnknownAuthorityError
		hnerr x509.HostnameError
		cierr x509.CertificateInvalidError
	)
	if errors.As(err, &verr) || errors.As(err, &uaerr) || errors.As(err, &hnerr) || errors.As(err, &cierr) {
		return false
	}
	return !errors.Is(err, context.Canceled)
}

// skippable says whether a failure to connect to a database means the
// user may not use it (skip it, as upstream) rather than trouble.
func skippable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "28000", // invalid_authorization_specification: pg_hba.conf refuses
		"28P01", // invalid_password
		"42501", // insufficient_privilege: no CONNECT
		"3D000", // invalid_catalog_name: dropped since listed
		"55000": // object_not_in_prerequisite_state: not accepting connections
		return true
	}
	return false
}

// The databases: as upstream, plus whether the user may connect, and the
// size only where pg_database_size is allowed (upstream calls it on every
// database, so a user without CONNECT on one of them fails the whole
// discovery). created is the time the database's directory was made
// (the modification time of its PG_VERSION file, which PostgreSQL writes
// once), readable only by superusers and roles granted pg_stat_file; NULL
// otherwise (the privilege is checked when a query starts, whether the
// function is called or not, hence two queries).
const databasesSQL = `
SELECT d.datname,
       pg_catalog.pg_get_userbyid(d.datdba),
       CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT')
              OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
            THEN pg_catalog.pg_database_size(d.oid) END,
       pg_catalog.shobj_description(d.oid, 'pg_database'),
       pg_catalog.pg_encoding_to_char(d.encoding),
       d.datcollate::text,
       d.datctype::text,
       d.datistemplate,
       d.datallowconn,
       d.datconnlimit,
       d.datallowconn AND pg_catalog.has_database_privilege(d.oid, 'CONNECT'),
       %s
FROM pg_catalog.pg_database d
WHERE NOT d.datistemplate
ORDER BY d.datname`

const (
	canStatFileSQL = `SELECT pg_catalog.has_function_privilege('pg_catalog.pg_stat_file(text, boolean)', 'EXECUTE')`
	createdSQL     = `pg_catalog.to_char((pg_catalog.pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification
         AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`
)

// databases lists the databases and emits their assets.
func (d *discoverer) databases(ctx context.Context, conn *pgx.Conn) ([]database, error) {
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	var canStat bool
	if err := conn.QueryRow(qctx, canStatFileSQL).Scan(&canStat); err != nil {
		return nil, d.fail(ctx, "listing databases", err)
	}
	created := "NULL::text"
	if canStat {
		created = createdSQL
	}
	rows, err := conn.Query(qctx, fmt.Sprintf(databasesSQL, created))
	if err != nil {
		return nil, d.fail(ctx, "listing databases", err)
	}
	defer rows.Close()
	var dbs []database
	for rows.Next() {
		var (
			name, owner, encoding      string
			size                       *int64
			comment, collate, ctype    *string
			isTemplate, allowConn, can bool
			connLimit                  int
			created                    *string
		)
		if err := rows.Scan(&name, &owner, &size, &comment, &encoding, &collate, &ctype,
			&isTemplate, &allowConn, &connLimit, &can, &created); err != nil {
			return nil, d.fail(ctx, "reading the list of databases", err)
		}
		md := map[string]any{
			"host":              d.cfg.Host,
			"port":              d.cfg.Port,
			"database":          name,
			"owner":             owner,
			"encoding":          encoding,
			"is_template":       isTemplate,
			"allow_connections": allowConn,
			"connection_limit":  connLimit,
		}
		if size != nil {
			md["size"] = *size
		}
		if collate != nil {
			md["collate"] = *collate
		}
		if ctype != nil {
			md["ctype"] = *ctype
		}
		if created != nil {
			md["created"] = *created
		}
		if comment != nil {
			md["comment"] = *comment
		}
		a := d.asset("Database", name, nil, md, nil)
		dbs = append(dbs, database{name: name, canConnect: can, mrn: a.MRN})
		if err := d.out.add(model.Item{Asset: a}); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, d.fail(ctx, "listing databases", err)
	}
	return dbs, nil
}

// relationsSQL lists the tables, views and materialized views with their
// columns, one row per column (one row with NULL columns for a relation
// without any, or when $3 is false), ordered by schema, name and column
// position. $1: exclude pg_* schemas; $2: metrics; $3: columns. The
// relation-level values are computed once per relation (OFFSET 0 keeps
// the subquery from being flattened).
const relationsSQL = `
SELECT r.oid, r.nspname, r.relname, r.object_type, r.owner, r.reltuples, r.description, r.size,
       r.total_size, r.column_count,
       a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
               WHERE k.conrelid = a.attrelid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)),
       pg_catalog.col_description(a.attrelid, a.attnum)
FROM (
  SELECT c.oid, n.nspname, c.relname,
         CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' ELSE 'materialized_view' END AS object_type,
         pg_catalog.pg_get_userbyid(c.relowner) AS owner,
         c.reltuples,
         pg_catalog.obj_description(c.oid, 'pg_class') AS description,
         pg_catalog.pg_table_size(c.oid) AS size,
         CASE WHEN $2 AND c.relkind = 'r' THEN pg_catalog.pg_total_relation_size(c.oid) END AS total_size,
         CASE WHEN $2 AND c.relkind = 'r' THEN
           (SELECT count(*) FROM pg_catalog.pg_attribute x WHERE x.attrelid = c.oid AND x.attnum > 0 AND NOT x.attisdropped)
         END AS column_count
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'v', 'm')
    AND n.nspname <> 'information_schema'
    AND (NOT $1 OR n.nspname !~ '^pg_')
  OFFSET 0
) r
LEFT JOIN pg_catalog.pg_attribute a ON $3 AND a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
ORDER BY r.nspname, r.relname, a.attnum`

// foreignKeysSQL lists, from pg_constraint (which every user may read,
// unlike information_schema.constraint_column_usage, which shows only the
// tables the user owns), each pair of tables joined by a foreign key, once.
// Both ends are discovered tables. $1: exclude pg_* schemas.
const foreignKeysSQL = `
SELECT DISTINCT sn.nspname, s.relname, tn.nspname, t.relname
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class s ON s.oid = k.conrelid
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_class t ON t.oid = k.confrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
WHERE k.contype = 'f'
  AND s.relkind = 'r' AND t.relkind = 'r'
  AND sn.nspname <> 'information_schema' AND tn.nspname <> 'information_schema'
  AND (NOT $1 OR (sn.nspname !~ '^pg_' AND tn.nspname !~ '^pg_'))
ORDER BY 1, 2, 3, 4`

// database discovers one database's relations, columns and foreign keys,
// over conn when given (else a new connection), in one read-only
// transaction so that they come from one snapshot.
func (d *discoverer) database(ctx context.Context, db database, conn *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, DatabaseTimeout)
	defer cancel()
	if conn == nil {
		c, err := d.connect(ctx, db.name)
		if err != nil {
			if skippable(err) {
				d.log.Warn("postgresql: skipping database: cannot connect", "database", db.name, "error", err)
				return nil
			}
			return d.fail(ctx, "connecting to database "+db.name, err)
		}
		defer closeConn(c)
		conn = c
	}
	where := "database " + db.name
	qctx, qcancel := context.WithTimeout(ctx, QueryTimeout)
	tx, err := conn.BeginTx(qctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	qcancel()
	if err != nil {
		return d.fail(ctx, "reading "+where, err)
	}
	defer func() {
		rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = tx.Rollback(rctx)
		rcancel()
	}()
	qctx, qcancel = context.WithTimeout(ctx, QueryTimeout)
	_, err = tx.Exec(qctx, "DECLARE weir_relations NO SCROLL CURSOR FOR "+relationsSQL,
		d.cfg.ExcludeSystemSchemas, d.cfg.EnableMetrics, d.cfg.IncludeColumns)
	qcancel()
	if err != nil {
		return d.fail(ctx, "listing the relations of "+where, err)
	}

	var rel relation
	for {
		n, err := d.fetch(ctx, tx, db, &rel)
		if err != nil {
			return d.fail(ctx, "listing the relations of "+where, err)
		}
		if n < fetchSize {
			break
		}
	}
	if rel.oid != 0 {
		if err := d.emitRelation(db, &rel); err != nil {
			return err
		}
	}

	if !d.cfg.DiscoverForeignKeys {
		return nil
	}
	qctx, qcancel = context.WithTimeout(ctx, QueryTimeout)
	defer qcancel()
	rows, err := tx.Query(qctx, foreignKeysSQL, d.cfg.ExcludeSystemSchemas)
	if err != nil {
		return d.fail(ctx, "listing the foreign keys of "+where, err)
	}
	defer rows.Close()
	seen := map[[2]string]bool{}
	for rows.Next() {
		var srcSchema, srcTable, dstSchema, dstTable string
		if err := rows.Scan(&srcSchema, &srcTable, &dstSchema, &dstTable); err != nil {
			return d.fail(ctx, "reading the foreign keys of "+where, err)
		}
		edge := [2]string{
			model.MRN("Table", Provider, d.relationName(db.name, srcSchema, srcTable)),
			model.MRN("Table", Provider, d.relationName(db.name, dstSchema, dstTable)),
		}
		if seen[edge] { // one edge per pair, as upstream
			continue
		}
		seen[edge] = true
		if err := d.out.add(model.Item{Lineage: &model.Lineage{Source: edge[0], Target: edge[1], Type: "FOREIGN_KEY"}}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return d.fail(ctx, "listing the foreign keys of "+where, err)
	}
	return nil
}

// relation is the relation being read: its columns arrive on consecutive
// rows and may span FETCHes.
type relation struct {
	oid                          uint32
	schema, name, kind, owner    string
	reltuples                    float64
	description                  *string
	size, totalSize, columnCount *int64
	columns                      []column
}

// fetch reads the next fetchSize rows of the cursor into rel, emitting
// each relation once its last row has been read, and returns the number
// of rows read. Rows are decoded from their text form (the simple
// protocol's), and the relation's own values only on its first row.
func (d *discoverer) fetch(ctx context.Context, tx pgx.Tx, db database, rel *relation) (int, error) {
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	rows, err := tx.Query(qctx, "FETCH FORWARD "+strconv.Itoa(fetchSize)+" FROM weir_relations")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		v := rows.RawValues()
		if len(v) != 16 {
			return n, fmt.Errorf("relation query returned %d columns, want 16", len(v))
		}
		oid, err := strconv.ParseUint(string(v[0]), 10, 32)
		if err != nil {
			return n, fmt.Errorf("relation oid %q: %w", v[0], err)
		}
		if oid != uint64(rel.oid) {
			if rel.oid != 0 {
				if err := d.emitRelation(db, rel); err != nil {
					return n, err
				}
			}
			tuples, err := strconv.ParseFloat(string(v[5]), 32)
			if err != nil {
				return n, fmt.Errorf("reltuples %q: %w", v[5], err)
			}
			*rel = relation{
				oid:         uint32(oid),
				schema:      string(v[1]),
				name:        string(v[2]),
				kind:        string(v[3]),
				owner:       string(v[4]),
				reltuples:   float64(float32(tuples)),
				description: text(v[6]),
				columns:     rel.columns[:0],
			}
			for i, dst := range []**int64{&rel.size, &rel.totalSize, &rel.columnCount} {
				if *dst, err = bigint(v[7+i]); err != nil {
					return n, err
				}
			}
		}
		if v[10] == nil { // no columns
			continue
		}
		rel.columns = append(rel.columns, column{
			ColumnName:    string(v[10]),
			DataType:      string(v[11]),
			IsNullable:    string(v[12]) != "t",
			ColumnDefault: text(v[13]),
			IsPrimaryKey:  string(v[14]) == "t",
			Comment:       text(v[15]),
		})
	}
	return n, rows.Err()
}

// emitRelation emits rel's asset, the CONTAINS edge from its database and,
// with metrics, its statistics.
func (d *discoverer) emitRelation(db database, rel *relation) error {
	typ, noun := "Table", "table"
	if rel.kind != "table" {
		typ, noun = "View", "view"
	}
	md := map[string]any{
		"host":        d.cfg.Host,
		"port":        d.cfg.Port,
		"database":    db.name,
		"schema":      rel.schema,
		"table_name":  rel.name,
		"owner":       rel.owner,
		"object_type": rel.kind,
	}
	if d.cfg.EnableMetrics {
		md["row_count"] = int64(rel.reltuples)
	}
	if rel.description != nil {
		md["comment"] = *rel.description
	}
	if rel.size != nil {
		md["size"] = *rel.size
	}
	var schema map[string]string
	if len(rel.columns) > 0 {
		cols, err := columnsJSON(rel.columns)
		if err != nil {
			return err
		}
		schema = map[string]string{"columns": cols}
	}
	desc := fmt.Sprintf("PostgreSQL %s %s.%s in database %s", noun, rel.schema, rel.name, db.name)
	a := d.asset(typ, d.relationName(db.name, rel.schema, rel.name), &desc, md, schema)
	if err := d.out.add(model.Item{Asset: a}); err != nil {
		return err
	}
	if err := d.out.add(model.Item{Lineage: &model.Lineage{Source: db.mrn, Target: a.MRN, Type: "CONTAINS"}}); err != nil {
		return err
	}
	if !d.cfg.EnableMetrics || rel.kind != "table" || hasPgPrefix(rel.schema) {
		return nil
	}
	stats := []struct {
		name  string
		value *int64
	}{
		{"asset.row_count", ptr(int64(math.RoundToEven(rel.reltuples)))},
		{"asset.column_count", rel.columnCount},
		{"asset.size_bytes", rel.totalSize},
	}
	for _, s := range stats {
		if s.value == nil {
			continue
		}
		if err := d.out.add(model.Item{Statistic: &model.Statistic{AssetMRN: a.MRN, MetricName: s.name, Value: float64(*s.value)}}); err != nil {
			return err
		}
	}
	return nil
}

// relationName is the asset name of a table or view: bare, as upstream,
// unless the config asks for qualified names.
func (d *discoverer) relationName(db, schema, name string) string {
	switch {
	case d.cfg.DatabaseQualifiedNames:
		return db + "." + schema + "." + name
	case d.cfg.SchemaQualifiedNames:
		return schema + "." + name
	}
	return name
}

// asset builds an asset as upstream does: provider PostgreSQL, one source
// whose properties are the metadata, and the config's tags interpolated
// with the metadata.
func (d *discoverer) asset(typ, name string, desc *string, md map[string]any, schema map[string]string) *model.Asset {
	return &model.Asset{
		MRN:         model.MRN(typ, Provider, name),
		Name:        name,
		Type:        typ,
		Providers:   []string{Provider},
		Description: desc,
		Metadata:    md,
		Schema:      schema,
		Tags:        interpolateTags(d.cfg.Tags, md),
		Sources: []model.AssetSource{{
			Name:       Provider,
			LastSyncAt: d.now,
			Properties: md,
			Priority:   1,
		}},
	}
}

func hasPgPrefix(s string) bool { return len(s) >= 3 && s[:3] == "pg_" }

func ptr[T any](v T) *T { return &v }

// text is a nullable text value.
func text(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// bigint is a nullable bigint value in text form.
func bigint(b []byte) (*int64, error) {
	if b == nil {
		return nil, nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bigint %q: %w", b, err)
	}
	return &n, nil
}
