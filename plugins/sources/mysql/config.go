package mysql

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source/configcheck"
)

// Config is the source's configuration: the keys of Marmot's mysql source
// (contract §3.1), the common keys every source takes, and Weir's addition
// database_qualified_names. Build it with Validate, which applies the
// declared defaults; a zero Config is not usable.
type Config struct {
	// Host is the server's name or address (required).
	Host string `json:"host"`
	// Port is the server's TCP port (default 3306).
	Port int `json:"port"`
	// User and Password log in; User is required.
	User     string `json:"user"`
	Password string `json:"password,omitempty"`
	// Database is the one database discovered (required), as upstream.
	Database string `json:"database"`
	// TLS is false (default), true, skip-verify or preferred, with the
	// driver's meaning.
	TLS string `json:"tls"`
	// IncludeColumns puts each table's columns in schema.columns (default
	// true; upstream declares it but discovers no columns).
	IncludeColumns bool `json:"include_columns"`
	// IncludeRowCounts adds metadata.row_count (default true).
	IncludeRowCounts bool `json:"include_row_counts"`
	// DiscoverForeignKeys emits FOREIGN_KEY lineage (default true).
	DiscoverForeignKeys bool `json:"discover_foreign_keys"`
	// DatabaseQualifiedNames names tables and views <database>.<name>
	// instead of the bare <name> upstream uses, so that same-named tables
	// of two databases get distinct MRNs (default false). A Weir addition.
	DatabaseQualifiedNames bool `json:"database_qualified_names"`

	// Tags are put on every asset; ${key} and ${a.b} are replaced by the
	// asset's metadata values, as upstream does.
	Tags []string `json:"tags,omitempty"`
	// ExternalLinks is accepted and, as upstream, ignored.
	ExternalLinks []model.ExternalLink `json:"external_links,omitempty"`
	// Filter is applied by the host after discovery.
	Filter *Filter `json:"filter,omitempty"`
}

// Filter narrows the discovered assets by name (applied by the host).
type Filter = configcheck.Filter

// TLS modes, with go-sql-driver/mysql's meaning.
const (
	TLSFalse      = "false"
	TLSTrue       = "true"
	TLSSkipVerify = "skip-verify"
	TLSPreferred  = "preferred"
)

// Defaults are the declared defaults, which Validate applies (upstream
// applies only port and tls, contract §1.1 #4).
var Defaults = Config{
	Port:                3306,
	TLS:                 TLSFalse,
	IncludeColumns:      true,
	IncludeRowCounts:    true,
	DiscoverForeignKeys: true,
}

// fieldOrder is the order keys are checked and errors reported in.
var fieldOrder = []string{
	"host", "port", "user", "password", "database", "tls",
	"include_columns", "include_row_counts", "discover_foreign_keys", "database_qualified_names",
	"tags", "external_links", "filter",
}

// Validate decodes and checks a config (the runs[] entry's value) and
// returns it with the declared defaults applied for the keys it omits. A
// null value counts as omitted. Integers and booleans may also be given
// as strings ("3306", "true"), which is what ${VAR} expansion produces.
// Every problem is reported, one per line, each starting with the name of
// the field at fault.
func Validate(raw json.RawMessage) (Config, error) {
	cfg := Defaults
	var obj map[string]json.RawMessage
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		obj = map[string]json.RawMessage{}
	} else if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return Config{}, errors.New("config: must be an object of settings, for example {\"host\": \"db\", \"user\": \"reader\", \"database\": \"shop\"}")
	}
	v := validator{Obj: obj}

	var unknown []string
	known := map[string]bool{}
	for _, k := range fieldOrder {
		known[k] = true
	}
	for k := range obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		v.Errorf(k, "unknown field; the mysql source takes %s", strings.Join(fieldOrder, ", "))
	}

	if s, ok := v.Str("host"); ok {
		cfg.Host = strings.TrimSpace(s)
	}
	if cfg.Host == "" {
		v.Errorf("host", "required: the MySQL server's name or address")
	} else if strings.Contains(cfg.Host, "://") || strings.Contains(cfg.Host, "@") {
		// A pasted DSN would carry its password into connect errors.
		v.Errorf("host", "must be a host name or address, not a connection URL (no :// or @): put the user, password and database in the user, password and database keys")
	} else if strings.ContainsAny(cfg.Host, " \t\r\n/()") {
		v.Errorf("host", "must be a host name or address, without spaces, slashes or parentheses")
	}
	if n, ok := v.Integer("port", "3306"); ok {
		if n == 0 {
			n = 3306 // as upstream: 0 means the default
		}
		if n < 1 || n > 65535 {
			v.Errorf("port", "must be between 1 and 65535")
		}
		cfg.Port = int(n)
	}
	if s, ok := v.Str("user"); ok {
		cfg.User = s
	}
	if strings.TrimSpace(cfg.User) == "" {
		v.Errorf("user", "required: the user to log in as")
	} else if strings.Contains(cfg.User, ":") {
		v.Errorf("user", "must not contain ':' (the MySQL driver cannot log in with such a name)")
	}
	if s, ok := v.Str("password"); ok {
		cfg.Password = s
	}
	if s, ok := v.Str("database"); ok {
		cfg.Database = s
	}
	if strings.TrimSpace(cfg.Database) == "" {
		v.Errorf("database", "required: the database to discover (one per source entry, as upstream)")
	}
	if x, ok := v.Value("tls"); ok {
		// A YAML boolean is taken as its text, as upstream coerces it.
		s, isStr := x.(string)
		if b, isBool := x.(bool); isBool {
			s, isStr = strconv.FormatBool(b), true
		}
		switch {
		case !isStr:
			v.Errorf("tls", "must be one of false, true, skip-verify, preferred; got %s", configcheck.Kind(x))
		case s == "":
		case s == TLSFalse || s == TLSTrue || s == TLSSkipVerify || s == TLSPreferred:
			cfg.TLS = s
		default:
			v.Errorf("tls", "must be one of false, true, skip-verify, preferred")
		}
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{
		{"include_columns", &cfg.IncludeColumns},
		{"include_row_counts", &cfg.IncludeRowCounts},
		{"discover_foreign_keys", &cfg.DiscoverForeignKeys},
		{"database_qualified_names", &cfg.DatabaseQualifiedNames},
	} {
		if x, ok := v.Boolean(b.key); ok {
			*b.dst = x
		}
	}
	cfg.Tags = v.Strings("tags")
	cfg.ExternalLinks = v.Links("external_links")
	cfg.Filter = v.Filter("filter")

	if len(v.Errs) > 0 {
		return Config{}, errors.Join(v.Errs...)
	}
	return cfg, nil
}

// check is what Discover needs of a Config that did not come from
// Validate.
func (c Config) check() error {
	var errs []error
	if c.Host == "" {
		errs = append(errs, errors.New("host: required"))
	}
	if c.User == "" {
		errs = append(errs, errors.New("user: required"))
	}
	if c.Database == "" {
		errs = append(errs, errors.New("database: required"))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, errors.New("port: must be between 1 and 65535"))
	}
	switch c.TLS {
	case TLSFalse, TLSTrue, TLSSkipVerify, TLSPreferred:
	default:
		errs = append(errs, errors.New("tls: must be one of false, true, skip-verify, preferred"))
	}
	return errors.Join(errs...)
}

// validator is the shared config checker (plugins/source/configcheck).
type validator = configcheck.Checker
