package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// Limits, as upstream (contract §3.1).
const (
	// DiscoveryTimeout bounds a whole discovery.
	DiscoveryTimeout = 10 * time.Minute
	// QueryTimeout bounds each catalogue query.
	QueryTimeout = 30 * time.Second
	// ConnectTimeout bounds connecting and the first ping.
	ConnectTimeout = 15 * time.Second
)

// BatchSize is the most items Discover passes to emit at once.
const BatchSize = 500

// Provider is providers[0] of every asset, and so part of every MRN.
const Provider = "MySQL"

// timeLayout is how created and updated are written, as upstream.
const timeLayout = "2006-01-02 15:04:05"

// Discover connects to cfg's database and streams to emit, in batches of
// at most BatchSize items: the Database asset, one Table or View asset per
// row of information_schema.TABLES for it (with schema.columns when
// cfg.IncludeColumns), a CONTAINS edge from the database to each, and
// FOREIGN_KEY edges when cfg.DiscoverForeignKeys. Names, MRNs and metadata
// are upstream's (docs/sources/mysql.md lists the differences).
// Connections go through dial (nil: net.Dialer).
//
// Unlike upstream, a failed catalogue query fails discovery with a
// *source.Error instead of being logged: a run that sent only the
// Database asset would make Marmot delete every table as stale. An error
// returned by emit stops discovery and is returned as it is.
func Discover(ctx context.Context, cfg Config, dial DialFunc, emit func([]model.Item) error) error {
	if err := cfg.check(); err != nil {
		return &source.Error{Message: "invalid config: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	db, err := open(ctx, cfg, dial)
	if err != nil {
		return connectError(err)
	}
	defer db.Close()
	d := &discoverer{cfg: cfg, db: db, now: time.Now().UTC(), log: slog.Default(), out: batcher{emit: emit}}
	if err := d.run(ctx); err != nil {
		return err
	}
	return d.out.flush()
}

// connectError says why connecting failed; retrying helps unless the
// server refused the user or the database.
func connectError(err error) error {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1044, 1045, 1049, 1698: // access denied, unknown database
			return &source.Error{Message: "connecting to the database: " + err.Error()}
		}
	}
	return &source.Error{Message: "connecting to the database: " + err.Error(), Retryable: true}
}

func queryError(what string, err error) error {
	return &source.Error{Message: fmt.Sprintf("reading %s: %v", what, err), Retryable: true}
}

type discoverer struct {
	cfg Config
	db  *sql.DB
	now time.Time
	log *slog.Logger
	out batcher
}

// batcher groups items into batches of at most BatchSize for emit.
type batcher struct {
	emit func([]model.Item) error
	buf  []model.Item
	err  error // the error emit returned, returned as it is
}

func (b *batcher) add(it model.Item) error {
	if b.err != nil {
		return b.err
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

// table is one row of information_schema.TABLES.
type table struct {
	schema, name, typ string
	engine, collation sql.NullString
	comment           sql.NullString
	rows, data, index sql.NullInt64
	created, updated  sql.NullTime
}

const tablesQuery = `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH,
       TABLE_COLLATION, CREATE_TIME, UPDATE_TIME, TABLE_COMMENT
  FROM information_schema.TABLES
 WHERE TABLE_SCHEMA = ?
 ORDER BY TABLE_SCHEMA, TABLE_NAME`

const columnsQuery = `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY,
       COLUMN_DEFAULT, COLUMN_COMMENT, EXTRA
  FROM information_schema.COLUMNS
 WHERE TABLE_SCHEMA = ?
 ORDER BY TABLE_NAME, ORDINAL_POSITION`

// foreignKeysQuery reads every foreign key column of the database (no
// LIMIT, unlike upstream's 1000 rows in arbitrary order).
const foreignKeysQuery = `SELECT kcu.TABLE_NAME, kcu.REFERENCED_TABLE_SCHEMA, kcu.REFERENCED_TABLE_NAME
  FROM information_schema.KEY_COLUMN_USAGE kcu
  JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
    ON kcu.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND kcu.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
 WHERE kcu.TABLE_SCHEMA = ? AND kcu.REFERENCED_TABLE_NAME IS NOT NULL
 ORDER BY kcu.TABLE_NAME, kcu.CONSTRAINT_NAME, kcu.ORDINAL_POSITION`

func (d *discoverer) run(ctx context.Context) error {
	cfg := d.cfg
	dbMRN := model.MRN("Database", Provider, cfg.Database)
	dbMD := map[string]any{"host": cfg.Host, "port": cfg.Port, "database": cfg.Database}
	if err := d.out.add(model.Item{Asset: d.asset("Database", cfg.Database, nil, dbMD, nil)}); err != nil {
		return err
	}
	tables, err := d.tables(ctx)
	if err != nil {
		return err
	}
	var columns map[string][]column
	if cfg.IncludeColumns {
		if columns, err = d.columns(ctx); err != nil {
			return err
		}
	}
	var mrns []string
	for _, t := range tables {
		a, err := d.tableAsset(t, columns[t.name])
		if err != nil {
			return err
		}
		mrns = append(mrns, a.MRN)
		if err := d.out.add(model.Item{Asset: a}); err != nil {
			return err
		}
	}
	for _, m := range mrns {
		if err := d.out.add(model.Item{Lineage: &model.Lineage{Source: dbMRN, Target: m, Type: "CONTAINS"}}); err != nil {
			return err
		}
	}
	if cfg.DiscoverForeignKeys {
		return d.foreignKeys(ctx)
	}
	return nil
}

func (d *discoverer) tables(ctx context.Context) ([]table, error) {
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	rows, err := d.db.QueryContext(qctx, tablesQuery, d.cfg.Database)
	if err != nil {
		return nil, queryError("information_schema.TABLES", err)
	}
	defer rows.Close()
	var out []table
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.schema, &t.name, &t.typ, &t.engine, &t.rows, &t.data, &t.index,
			&t.collation, &t.created, &t.updated, &t.comment); err != nil {
			return nil, queryError("information_schema.TABLES", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError("information_schema.TABLES", err)
	}
	return out, nil
}

// columns are the database's columns by table name, in ordinal order.
func (d *discoverer) columns(ctx context.Context) (map[string][]column, error) {
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	rows, err := d.db.QueryContext(qctx, columnsQuery, d.cfg.Database)
	if err != nil {
		return nil, queryError("information_schema.COLUMNS", err)
	}
	defer rows.Close()
	out := map[string][]column{}
	for rows.Next() {
		var tbl, name, dataType, colType, nullable, key, extra string
		var def, comment sql.NullString
		if err := rows.Scan(&tbl, &name, &dataType, &colType, &nullable, &key, &def, &comment, &extra); err != nil {
			return nil, queryError("information_schema.COLUMNS", err)
		}
		c := column{
			ColumnName:      name,
			ColumnType:      colType,
			DataType:        dataType,
			IsNullable:      nullable == "YES",
			IsPrimaryKey:    key == "PRI",
			IsAutoIncrement: strings.Contains(strings.ToLower(extra), "auto_increment"),
		}
		if def.Valid {
			c.ColumnDefault = &def.String
		}
		if comment.Valid && comment.String != "" {
			c.Comment = &comment.String
		}
		out[tbl] = append(out[tbl], c)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError("information_schema.COLUMNS", err)
	}
	return out, nil
}

// objectName is the asset name of a table or view: bare, as upstream, or
// <database>.<name> with database_qualified_names.
func (d *discoverer) objectName(name string) string {
	if d.cfg.DatabaseQualifiedNames {
		return d.cfg.Database + "." + name
	}
	return name
}

func (d *discoverer) tableAsset(t table, cols []column) (*model.Asset, error) {
	cfg := d.cfg
	typ, kind := "Table", "table"
	if strings.Contains(t.typ, "VIEW") {
		typ, kind = "View", "view"
	}
	created := d.now.Format(timeLayout) // upstream: discovery time when NULL
	if t.created.Valid {
		created = t.created.Time.Format(timeLayout)
	}
	md := map[string]any{
		"host":        cfg.Host,
		"port":        cfg.Port,
		"database":    cfg.Database,
		"schema":      t.schema,
		"table_name":  t.name,
		"object_type": strings.ToLower(t.typ),
		"created":     created,
	}
	if t.updated.Valid {
		md["updated"] = t.updated.Time.Format(timeLayout)
	}
	if t.engine.Valid {
		md["engine"] = t.engine.String
	}
	if cfg.IncludeRowCounts && t.rows.Valid {
		md["row_count"] = t.rows.Int64
	}
	if t.data.Valid {
		md["data_length"] = t.data.Int64
	}
	if t.index.Valid {
		md["index_length"] = t.index.Int64
	}
	if t.collation.Valid {
		md["collation"] = t.collation.String
	}
	if t.comment.Valid {
		md["comment"] = t.comment.String
	}
	desc := fmt.Sprintf("MySQL %s %s.%s in database %s", kind, t.schema, t.name, cfg.Database)
	var schema map[string]string
	if len(cols) > 0 {
		s, err := columnsJSON(cols)
		if err != nil {
			return nil, &source.Error{Message: "encoding the columns of " + t.name + ": " + err.Error()}
		}
		schema = map[string]string{"columns": s}
	}
	return d.asset(typ, d.objectName(t.name), &desc, md, schema), nil
}

// foreignKeys emits one FOREIGN_KEY edge per (referencing, referenced)
// table pair within the database, without self-edges, as upstream.
func (d *discoverer) foreignKeys(ctx context.Context) error {
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	rows, err := d.db.QueryContext(qctx, foreignKeysQuery, d.cfg.Database)
	if err != nil {
		return queryError("foreign keys", err)
	}
	defer rows.Close()
	seen := map[[2]string]bool{}
	var edges []model.Lineage
	for rows.Next() {
		var from, refSchema, to string
		if err := rows.Scan(&from, &refSchema, &to); err != nil {
			return queryError("foreign keys", err)
		}
		if refSchema != d.cfg.Database {
			continue
		}
		src := model.MRN("Table", Provider, d.objectName(from))
		dst := model.MRN("Table", Provider, d.objectName(to))
		if src == dst || seen[[2]string{src, dst}] {
			continue
		}
		seen[[2]string{src, dst}] = true
		edges = append(edges, model.Lineage{Source: src, Target: dst, Type: "FOREIGN_KEY"})
	}
	if err := rows.Err(); err != nil {
		return queryError("foreign keys", err)
	}
	for i := range edges {
		if err := d.out.add(model.Item{Lineage: &edges[i]}); err != nil {
			return err
		}
	}
	return nil
}

// asset builds an asset as upstream does: one provider, one source entry
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
