package s3

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source/configcheck"
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
type Filter = configcheck.Filter

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
	v := validator{Obj: obj}
	v.Unknown("", fieldOrder, "the s3 source takes")

	useDefaultSet := false
	if x, ok := v.Value("credentials"); ok {
		m, ok := x.(map[string]any)
		if !ok {
			v.Errorf("credentials", "must be an object, for example {\"region\": \"eu-west-1\"}, got %s", configcheck.Kind(x))
		} else {
			c := validator{Obj: map[string]json.RawMessage{}, Prefix: "credentials."}
			for k, val := range m {
				b, _ := json.Marshal(val)
				c.Obj[k] = b
			}
			c.Unknown("credentials.", credentialFields, "credentials takes")
			if b, ok := c.Boolean("use_default"); ok {
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
				if s, ok := c.Str(f.key); ok {
					*f.dst = strings.TrimSpace(s)
				}
			}
			cr := cfg.Credentials
			if cr.Endpoint != "" {
				if u, err := url.Parse(cr.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					c.Errorf("endpoint", "must be a URL with a scheme, for example http://minio:9000 or https://s3.eu-west-1.amazonaws.com")
				}
			}
			if cr.ID != "" && cr.Secret == "" && (!useDefaultSet || !cr.UseDefault) {
				c.Errorf("secret", "required with credentials.id (give it as a ${VAR} reference), or drop id to use the default credential chain")
			}
			if cr.Secret != "" && cr.ID == "" {
				c.Errorf("id", "required with credentials.secret")
			}
			if cr.Token != "" && cr.ID == "" {
				c.Errorf("id", "required with credentials.token (a session token goes with an access key)")
			}
			if cr.RoleExternalID != "" && cr.Role == "" {
				c.Errorf("role", "required with credentials.role_external_id")
			}
			if strings.ContainsAny(cr.Region, " \t\r\n/") {
				c.Errorf("region", "must be a region name such as eu-west-1")
			}
			v.Errs = append(v.Errs, c.Errs...)
		}
	}
	if !useDefaultSet {
		cfg.Credentials.UseDefault = cfg.Credentials.ID == ""
	}
	if s, ok := v.Str("bucket"); ok {
		cfg.Bucket = strings.TrimSpace(s)
		if strings.ContainsAny(cfg.Bucket, "/ \t\r\n") {
			v.Errorf("bucket", "must be a bucket name, not a path or URL (no / or spaces)")
		}
	}
	if s, ok := v.Str("region"); ok {
		cfg.Region = strings.TrimSpace(s)
		if strings.ContainsAny(cfg.Region, " \t\r\n/") {
			v.Errorf("region", "must be a region name such as eu-west-1")
		}
		if cfg.Credentials.Region == "" {
			cfg.Credentials.Region = cfg.Region
		}
	}
	if b, ok := v.Boolean("tags_to_metadata"); ok {
		cfg.TagsToMetadata = b
	}
	cfg.IncludeTags = v.Strings("include_tags")
	cfg.Tags = v.Strings("tags")
	cfg.ExternalLinks = v.Links("external_links")
	cfg.Filter = v.Filter("filter")
	if len(v.Errs) > 0 {
		return Config{}, errors.Join(v.Errs...)
	}
	return cfg, nil
}

// static says whether the config's static key is used.
func (c Credentials) static() bool { return !c.UseDefault && c.ID != "" && c.Secret != "" }

// validator is the shared config checker (plugins/source/configcheck).
type validator = configcheck.Checker
