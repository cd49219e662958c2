package s3

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
)

// Config is the source's configuration: the keys of Marmot's s3 source
// (contract §2.1) and the common keys every source takes. Build it with
// Validate, which applies the declared defaults.
type Config struct {
	// Credentials says how to reach and sign in to S3.
	Credentials Credentials `json:"credentials"`
	// TagsToMetadata replaces each bucket's metadata by its AWS tags,
	// tag_<key>, as upstream (default false).
	TagsToMetadata bool `json:"tags_to_metadata"`
	// IncludeTags keeps only these AWS tag keys (exact; empty: all).
	IncludeTags []string `json:"include_tags,omitempty"`
	// Bucket, a Weir reading of a key upstream ignores (the operator's
	// documented IRSA example sets it): discover only this bucket.
	Bucket string `json:"bucket,omitempty"`
	// Region at the top level (the same example) stands for
	// credentials.region when that is not set.
	Region string `json:"region,omitempty"`

	// Tags are put on every asset, ${key} replaced by metadata values.
	Tags []string `json:"tags,omitempty"`
	// ExternalLinks is accepted and, as upstream, ignored.
	ExternalLinks []model.ExternalLink `json:"external_links,omitempty"`
	// Filter is applied by the host after discovery.
	Filter *Filter `json:"filter,omitempty"`
}

// Credentials is upstream's credentials block.
type Credentials struct {
	// UseDefault takes credentials from the AWS SDK's default chain
	// (environment, web identity (IRSA), shared files, container and
	// instance roles). Declared default true, which Validate applies
	// unless a static id is given (upstream's documented example gives
	// id and secret without use_default and expects them used).
	UseDefault bool `json:"use_default"`
	// ID, Secret and Token are a static key (Token: a session token).
	// Give them as ${VAR} references, never literally.
	ID     string `json:"id,omitempty"`
	Secret string `json:"secret,omitempty"`
	Token  string `json:"token,omitempty"`
	// Profile is a shared-config profile name.
	Profile string `json:"profile,omitempty"`
	// Role is a role ARN assumed on top of the base credentials, with
	// RoleExternalID as its external id.
	Role           string `json:"role,omitempty"`
	RoleExternalID string `json:"role_external_id,omitempty"`
	// Region is the region every call goes to ("": the SDK's chain).
	Region string `json:"region,omitempty"`
	// Endpoint overrides S3's endpoint (an S3-compatible store such as
	// MinIO: http://minio:9000); it forces path-style addressing.
	Endpoint string `json:"endpoint,omitempty"`
}

// Filter narrows the discovered assets by name (applied by the host).
type Filter struct {
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
}

var fieldOrder = []string{"credentials", "bucket", "region", "tags_to_metadata", "include_tags", "tags", "external_links", "filter"}

var credentialFields = []string{"use_default", "id", "secret", "token", "profile", "role", "role_external_id", "region", "endpoint"}

// Validate decodes and checks a config (the runs[] entry's value) and
// returns it with the declared defaults applied. A null value counts as
// omitted; booleans may be given as strings ("true"), which is what
// ${VAR} expansion produces. Every problem is reported, one per line,
// each starting with the field at fault. Values are never echoed.
func Validate(raw json.RawMessage) (Config, error) {
	var cfg Config
	var obj map[string]json.RawMessage
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		obj = map[string]json.RawMessage{}
	} else if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return Config{}, errors.New("config: must be an object of settings, for example {\"credentials\": {\"region\": \"eu-west-1\"}}")
	}
	v := validator{obj: obj}
	v.unknown("", fieldOrder, "the s3 source takes")

	useDefaultSet := false
	if x, ok := v.value("credentials"); ok {
		m, ok := x.(map[string]any)
		if !ok {
			v.errorf("credentials", "must be an object, for example {\"region\": \"eu-west-1\"}, got %s", kind(x))
		} else {
			c := validator{obj: map[string]json.RawMessage{}, prefix: "credentials."}
			for k, val := range m {
				b, _ := json.Marshal(val)
				c.obj[k] = b
			}
			c.unknown("credentials.", credentialFields, "credentials takes")
			if b, ok := c.boolean("use_default"); ok {
				cfg.Credentials.UseDefault, useDefaultSet = b, true
			}
			for _, f := range []struct {
				key string
				dst *string
			}{
				{"id", &cfg.Credentials.ID}, {"secret", &cfg.Credentials.Secret}, {"token", &cfg.Credentials.Token},
				{"profile", &cfg.Credentials.Profile}, {"role", &cfg.Credentials.Role},
				{"role_external_id", &cfg.Credentials.RoleExternalID}, {"region", &cfg.Credentials.Region},
				{"endpoint", &cfg.Credentials.Endpoint},
			} {
				if s, ok := c.str(f.key); ok {
					*f.dst = strings.TrimSpace(s)
				}
			}
			cr := cfg.Credentials
			if cr.Endpoint != "" {
				if u, err := url.Parse(cr.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					c.errorf("endpoint", "must be a URL with a scheme, for example http://minio:9000 or https://s3.eu-west-1.amazonaws.com")
				}
			}
			if cr.ID != "" && cr.Secret == "" && !(useDefaultSet && cr.UseDefault) {
				c.errorf("secret", "required with credentials.id (give it as a ${VAR} reference), or drop id to use the default credential chain")
			}
			if cr.Secret != "" && cr.ID == "" {
				c.errorf("id", "required with credentials.secret")
			}
			if cr.Token != "" && cr.ID == "" {
				c.errorf("id", "required with credentials.token (a session token goes with an access key)")
			}
			if cr.RoleExternalID != "" && cr.Role == "" {
				c.errorf("role", "required with credentials.role_external_id")
			}
			if strings.ContainsAny(cr.Region, " \t\r\n/") {
				c.errorf("region", "must be a region name such as eu-west-1")
			}
			v.errs = append(v.errs, c.errs...)
		}
	}
	if !useDefaultSet {
		cfg.Credentials.UseDefault = cfg.Credentials.ID == ""
	}
	if s, ok := v.str("bucket"); ok {
		cfg.Bucket = strings.TrimSpace(s)
		if strings.ContainsAny(cfg.Bucket, "/ \t\r\n") {
			v.errorf("bucket", "must be a bucket name, not a path or URL (no / or spaces)")
		}
	}
	if s, ok := v.str("region"); ok {
		cfg.Region = strings.TrimSpace(s)
		if strings.ContainsAny(cfg.Region, " \t\r\n/") {
			v.errorf("region", "must be a region name such as eu-west-1")
		}
		if cfg.Credentials.Region == "" {
			cfg.Credentials.Region = cfg.Region
		}
	}
	if b, ok := v.boolean("tags_to_metadata"); ok {
		cfg.TagsToMetadata = b
	}
	cfg.IncludeTags = v.strings("include_tags")
	cfg.Tags = v.strings("tags")
	cfg.ExternalLinks = v.links("external_links")
	cfg.Filter = v.filter("filter")
	if len(v.errs) > 0 {
		return Config{}, errors.Join(v.errs...)
	}
	return cfg, nil
}

// static says whether the config's static key is used.
func (c Credentials) static() bool { return !c.UseDefault && c.ID != "" && c.Secret != "" }

type validator struct {
	obj    map[string]json.RawMessage
	prefix string // the path of obj in the config, for messages
	errs   []error
}

func (v *validator) unknown(path string, known []string, takes string) {
	ok := map[string]bool{}
	for _, k := range known {
		ok[k] = true
	}
	var bad []string
	for k := range v.obj {
		if !ok[k] {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	for _, k := range bad {
		v.errs = append(v.errs, fmt.Errorf("%s%s: unknown field; %s %s", path, k, takes, strings.Join(known, ", ")))
	}
}

func (v *validator) errorf(field, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s%s: %s", v.prefix, field, fmt.Sprintf(format, args...)))
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
