package postgresql

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source/configcheck"
)

// Config is the source's configuration: the keys of Marmot's postgresql
// source (contract §10.1), the common keys every source takes (§8.1), and
// Weir's additions (ssl_root_cert, schema_qualified_names,
// database_qualified_names). Build it with Validate, which applies the
// declared defaults; a zero Config is not usable.
type Config struct {
	// Host is the server's name or address (required).
	Host string `json:"host"`
	// Port is the server's TCP port (default 5432).
	Port int `json:"port"`
	// User and Password log in; User is required.
	User     string `json:"user"`
	Password string `json:"password,omitempty"`
	// SSLMode is disable (default), require, verify-ca or verify-full.
	SSLMode string `json:"ssl_mode"`
	// SSLRootCert is PEM text of the CA certificates that verify-ca and
	// verify-full (and require, as in libpq) check the server against.
	// Empty means the system's roots. A Weir addition.
	SSLRootCert string `json:"ssl_root_cert,omitempty"`

	// Database is accepted for compatibility with manifests written for
	// upstream (the seed's example sets it), which ignores it: every
	// database the user can connect to is discovered; narrow with filter.
	Database string `json:"database,omitempty"`
	// IncludeDatabases is accepted for compatibility and, as upstream,
	// has no effect: databases are always discovered (default true).
	IncludeDatabases bool `json:"include_databases"`
	// IncludeColumns puts each relation's columns in schema.columns
	// (default true).
	IncludeColumns bool `json:"include_columns"`
	// EnableMetrics adds metadata.row_count and emits statistics (default
	// true).
	EnableMetrics bool `json:"enable_metrics"`
	// DiscoverForeignKeys emits FOREIGN_KEY lineage (default true).
	DiscoverForeignKeys bool `json:"discover_foreign_keys"`
	// ExcludeSystemSchemas skips schemas whose name starts with pg_
	// (default true).
	ExcludeSystemSchemas bool `json:"exclude_system_schemas"`
	// SchemaQualifiedNames names tables and views <schema>.<name> instead
	// of the bare <name> upstream uses (default false). A Weir addition.
	SchemaQualifiedNames bool `json:"schema_qualified_names"`
	// DatabaseQualifiedNames names tables and views
	// <database>.<schema>.<name> (default false; implies schema
	// qualification). A Weir addition.
	DatabaseQualifiedNames bool `json:"database_qualified_names"`

	// Tags are put on every asset; ${key} and ${a.b} are replaced by the
	// asset's metadata values (unknown keys by nothing; tags that end up
	// empty are dropped), as upstream does.
	Tags []string `json:"tags,omitempty"`
	// ExternalLinks is accepted and, as upstream, ignored.
	ExternalLinks []model.ExternalLink `json:"external_links,omitempty"`
	// Filter is applied by the host after discovery.
	Filter *Filter `json:"filter,omitempty"`
}

// Filter narrows the discovered assets by name (applied by the host).
type Filter = configcheck.Filter

// SSL modes.
const (
	SSLDisable    = "disable"
	SSLRequire    = "require"
	SSLVerifyCA   = "verify-ca"
	SSLVerifyFull = "verify-full"
)

// Defaults are the declared defaults, which Validate applies (upstream
// declares them but never applies them).
var Defaults = Config{
	Port:                 5432,
	SSLMode:              SSLDisable,
	IncludeDatabases:     true,
	IncludeColumns:       true,
	EnableMetrics:        true,
	DiscoverForeignKeys:  true,
	ExcludeSystemSchemas: true,
}

// fieldOrder is the order keys are checked and errors reported in.
var fieldOrder = []string{
	"host", "port", "user", "password", "database", "ssl_mode", "ssl_root_cert",
	"include_databases", "include_columns", "enable_metrics", "discover_foreign_keys",
	"exclude_system_schemas", "schema_qualified_names", "database_qualified_names",
	"tags", "external_links", "filter",
}

// Validate decodes and checks a config (the runs[] entry's value) and
// returns it with the declared defaults applied for the keys it omits. A
// null value counts as omitted. Integers and booleans may also be given
// as strings ("5432", "true"), which is what ${VAR} expansion produces.
// Every problem is reported, one per line, each starting with the name of
// the field at fault.
func Validate(raw json.RawMessage) (Config, error) {
	cfg := Defaults
	var obj map[string]json.RawMessage
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		obj = map[string]json.RawMessage{}
	} else if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return Config{}, errors.New("config: must be an object of settings, for example {\"host\": \"db\", \"user\": \"reader\"}")
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
		v.Errorf(k, "unknown field; the postgresql source takes %s", strings.Join(fieldOrder, ", "))
	}

	if s, ok := v.Str("host"); ok {
		cfg.Host = strings.TrimSpace(s)
	}
	if cfg.Host == "" {
		v.Errorf("host", "required: the PostgreSQL server's name or address")
	} else if strings.Contains(cfg.Host, "://") || strings.Contains(cfg.Host, "@") {
		// A pasted DSN would carry its password into connect errors.
		v.Errorf("host", "must be a host name or address, not a connection URL (no :// or @): put the user, password and database in the user, password and database keys")
	} else if strings.ContainsAny(cfg.Host, " \t\r\n") {
		v.Errorf("host", "must be a host name or address, without spaces")
	}
	if n, ok := v.Integer("port", "5432"); ok {
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
	}
	if s, ok := v.Str("database"); ok {
		cfg.Database = s
	}
	if s, ok := v.Str("password"); ok {
		cfg.Password = s
	}
	if s, ok := v.Str("ssl_mode"); ok && s != "" {
		switch s {
		case SSLDisable, SSLRequire, SSLVerifyCA, SSLVerifyFull:
			cfg.SSLMode = s
		default:
			v.Errorf("ssl_mode", "must be one of disable, require, verify-ca, verify-full")
		}
	}
	if s, ok := v.Str("ssl_root_cert"); ok && s != "" {
		if !x509.NewCertPool().AppendCertsFromPEM([]byte(s)) {
			v.Errorf("ssl_root_cert", "must be PEM text holding at least one CA certificate (-----BEGIN CERTIFICATE-----)")
		}
		cfg.SSLRootCert = s
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{
		{"include_databases", &cfg.IncludeDatabases},
		{"include_columns", &cfg.IncludeColumns},
		{"enable_metrics", &cfg.EnableMetrics},
		{"discover_foreign_keys", &cfg.DiscoverForeignKeys},
		{"exclude_system_schemas", &cfg.ExcludeSystemSchemas},
		{"schema_qualified_names", &cfg.SchemaQualifiedNames},
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
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, errors.New("port: must be between 1 and 65535"))
	}
	switch c.SSLMode {
	case SSLDisable, SSLRequire, SSLVerifyCA, SSLVerifyFull:
	default:
		errs = append(errs, errors.New("ssl_mode: must be one of disable, require, verify-ca, verify-full"))
	}
	return errors.Join(errs...)
}

// validator is the shared config checker (plugins/source/configcheck).
type validator = configcheck.Checker
