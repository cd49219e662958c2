package mysql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
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
type Filter struct {
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
}

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
	v := validator{obj: obj}

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
		v.errorf(k, "unknown field; the mysql source takes %s", strings.Join(fieldOrder, ", "))
	}

	if s, ok := v.str("host"); ok {
		cfg.Host = strings.TrimSpace(s)
	}
	if cfg.Host == "" {
		v.errorf("host", "required: the MySQL server's name or address")
	} else if strings.Contains(cfg.Host, "://") || strings.Contains(cfg.Host, "@") {
		// A pasted DSN would carry its password into connect errors.
		v.errorf("host", "must be a host name or address, not a connection URL (no :// or @): put the user, password and database in the user, password and database keys")
	} else if strings.ContainsAny(cfg.Host, " \t\r\n/()") {
		v.errorf("host", "must be a host name or address, without spaces, slashes or parentheses")
	}
	if n, ok := v.integer("port"); ok {
		if n == 0 {
			n = 3306 // as upstream: 0 means the default
		}
		if n < 1 || n > 65535 {
			v.errorf("port", "must be between 1 and 65535")
		}
		cfg.Port = int(n)
	}
	if s, ok := v.str("user"); ok {
		cfg.User = s
	}
	if strings.TrimSpace(cfg.User) == "" {
		v.errorf("user", "required: the user to log in as")
	} else if strings.Contains(cfg.User, ":") {
		v.errorf("user", "must not contain ':' (the MySQL driver cannot log in with such a name)")
	}
	if s, ok := v.str("password"); ok {
		cfg.Password = s
	}
	if s, ok := v.str("database"); ok {
		cfg.Database = s
	}
	if strings.TrimSpace(cfg.Database) == "" {
		v.errorf("database", "required: the database to discover (one per source entry, as upstream)")
	}
	if x, ok := v.value("tls"); ok {
		// A YAML boolean is taken as its text, as upstream coerces it.
		s, isStr := x.(string)
		if b, isBool := x.(bool); isBool {
			s, isStr = strconv.FormatBool(b), true
		}
		switch {
		case !isStr:
			v.errorf("tls", "must be one of false, true, skip-verify, preferred; got %s", kind(x))
		case s == "":
		case s == TLSFalse || s == TLSTrue || s == TLSSkipVerify || s == TLSPreferred:
			cfg.TLS = s
		default:
			v.errorf("tls", "must be one of false, true, skip-verify, preferred")
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
		if x, ok := v.boolean(b.key); ok {
			*b.dst = x
		}
	}
	cfg.Tags = v.strings("tags")
	cfg.ExternalLinks = v.links("external_links")
	cfg.Filter = v.filter("filter")

	if len(v.errs) > 0 {
		return Config{}, errors.Join(v.errs...)
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

type validator struct {
	obj  map[string]json.RawMessage
	errs []error
}

func (v *validator) errorf(field, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// value returns the decoded value of key; ok is false when it is absent
// or null.
func (v *validator) value(key string) (any, bool) {
	raw, ok := v.obj[key]
	if !ok {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil || x == nil {
		return nil, false
	}
	return x, true
}

func (v *validator) str(key string) (string, bool) {
	x, ok := v.value(key)
	if !ok {
		return "", false
	}
	s, ok := x.(string)
	if !ok {
		v.errorf(key, "must be a string, got %s", kind(x))
		return "", false
	}
	return s, true
}

func (v *validator) integer(key string) (int64, bool) {
	x, ok := v.value(key)
	if !ok {
		return 0, false
	}
	var text string
	switch t := x.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = strings.TrimSpace(t)
	default:
		v.errorf(key, "must be an integer, got %s", kind(x))
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		v.errorf(key, "must be an integer, for example 3306; got a string that is not one (a ${VAR} left unexpanded?)")
		return 0, false
	}
	return n, true
}

func (v *validator) boolean(key string) (bool, bool) {
	x, ok := v.value(key)
	if !ok {
		return false, false
	}
	switch t := x.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		v.errorf(key, "must be true or false; got another string")
	default:
		v.errorf(key, "must be true or false, got %s", kind(x))
	}
	return false, false
}

func (v *validator) list(key string) ([]any, bool) {
	x, ok := v.value(key)
	if !ok {
		return nil, false
	}
	l, ok := x.([]any)
	if !ok {
		v.errorf(key, "must be a list, got %s", kind(x))
		return nil, false
	}
	return l, true
}

func (v *validator) strings(key string) []string {
	l, ok := v.list(key)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			v.errorf(fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", kind(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (v *validator) links(key string) []model.ExternalLink {
	l, ok := v.list(key)
	if !ok {
		return nil
	}
	var out []model.ExternalLink
	for i, e := range l {
		path := fmt.Sprintf("%s[%d]", key, i)
		m, ok := e.(map[string]any)
		if !ok {
			v.errorf(path, "must be an object with name and url, got %s", kind(e))
			continue
		}
		var link model.ExternalLink
		for _, k := range sortedKeys(m) {
			s, ok := m[k].(string)
			switch {
			case k != "name" && k != "url" && k != "icon":
				v.errorf(path+"."+k, "unknown field; a link has name, url and icon")
			case !ok:
				v.errorf(path+"."+k, "must be a string, got %s", kind(m[k]))
			case k == "name":
				link.Name = s
			case k == "url":
				link.URL = s
			default:
				link.Icon = s
			}
		}
		if link.Name == "" {
			v.errorf(path+".name", "required")
		}
		if link.URL == "" {
			v.errorf(path+".url", "required")
		}
		out = append(out, link)
	}
	return out
}

func (v *validator) filter(key string) *Filter {
	x, ok := v.value(key)
	if !ok {
		return nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		v.errorf(key, "must be an object with include and exclude lists, got %s", kind(x))
		return nil
	}
	f := &Filter{}
	for _, k := range sortedKeys(m) {
		path := key + "." + k
		var dst *[]string
		switch k {
		case "include":
			dst = &f.Include
		case "exclude":
			dst = &f.Exclude
		default:
			v.errorf(path, "unknown field; a filter has include and exclude")
			continue
		}
		if m[k] == nil {
			continue
		}
		l, ok := m[k].([]any)
		if !ok {
			v.errorf(path, "must be a list of regular expressions, got %s", kind(m[k]))
			continue
		}
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				v.errorf(fmt.Sprintf("%s[%d]", path, i), "must be a string, got %s", kind(e))
				continue
			}
			if _, err := regexp.Compile(s); err != nil {
				v.errorf(fmt.Sprintf("%s[%d]", path, i), "invalid regular expression: %s", regexpProblem(err))
				continue
			}
			*dst = append(*dst, s)
		}
	}
	return f
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// regexpProblem is what is wrong with a regular expression, without the
// expression: errors never echo config values.
func regexpProblem(err error) string {
	var re *syntax.Error
	if errors.As(err, &re) {
		return string(re.Code)
	}
	return "does not compile"
}

// kind names a decoded JSON value's type for messages, never the value.
func kind(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}
