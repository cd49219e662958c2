package s3

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      Credentials // on success
		errs      []string    // substrings, each required
	}{
		{name: "empty: default chain", raw: `{}`, want: Credentials{UseDefault: true}},
		{name: "null", raw: `null`, want: Credentials{UseDefault: true}},
		{name: "static key: use_default off by default", raw: `{"credentials": {"id": "AKID", "secret": "s", "region": "eu-west-1"}}`,
			want: Credentials{ID: "AKID", Secret: "s", Region: "eu-west-1"}},
		{name: "use_default wins over a key", raw: `{"credentials": {"use_default": "true", "id": "AKID", "secret": "s"}}`,
			want: Credentials{UseDefault: true, ID: "AKID", Secret: "s"}},
		{name: "endpoint", raw: `{"credentials": {"endpoint": "http://minio:9000", "region": "us-east-1"}}`,
			want: Credentials{UseDefault: true, Endpoint: "http://minio:9000", Region: "us-east-1"}},
		{name: "the operator's IRSA example", raw: `{"bucket": "my-data-lake", "region": "eu-west-1"}`,
			want: Credentials{UseDefault: true, Region: "eu-west-1"}},
		{name: "credentials.region wins", raw: `{"region": "eu-west-1", "credentials": {"region": "us-east-2"}}`,
			want: Credentials{UseDefault: true, Region: "us-east-2"}},
		{name: "bucket path", raw: `{"bucket": "s3://x/y"}`, errs: []string{"bucket: must be a bucket name"}},
		{name: "endpoint without scheme", raw: `{"credentials": {"endpoint": "minio:9000"}}`, errs: []string{"credentials.endpoint: must be a URL"}},
		{name: "id without secret", raw: `{"credentials": {"id": "AKID"}}`, errs: []string{"credentials.secret: required"}},
		{name: "unknown keys", raw: `{"credential": {}, "credentials": {"key": "x"}}`,
			errs: []string{"credential: unknown field", "credentials.key: unknown field"}},
		{name: "types", raw: `{"credentials": {"id": 12345}, "tags_to_metadata": "yes", "tags": "a"}`,
			errs: []string{"credentials.id: must be a string", "tags_to_metadata: must be true or false", "tags: must be a list"}},
		{name: "not an object", raw: `[]`, errs: []string{"config: must be an object"}},
		{name: "filter", raw: `{"filter": {"include": ["("]}}`, errs: []string{"filter.include[0]: invalid regular expression"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Validate(json.RawMessage(tc.raw))
			if len(tc.errs) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if cfg.Credentials != tc.want {
					t.Fatalf("credentials %+v, want %+v", cfg.Credentials, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted it: %+v", cfg)
			}
			for _, e := range tc.errs {
				if !strings.Contains(err.Error(), e) {
					t.Errorf("error %q lacks %q", err, e)
				}
			}
			if strings.Contains(err.Error(), "12345") {
				t.Errorf("error echoes a value: %q", err)
			}
		})
	}
}

// The schema marks the endpoint the sandbox may dial and the secrets it
// masks.
func TestConfigSchema(t *testing.T) {
	d := Describe()
	if d.ID != "s3" || d.ABI != 1 || len(d.Capabilities) != 1 || d.Capabilities[0] != "network" {
		t.Fatalf("description %+v", d)
	}
	creds := d.ConfigSchema["properties"].(map[string]any)["credentials"].(map[string]any)["properties"].(map[string]any)
	if creds["endpoint"].(map[string]any)["x-weir-endpoint"] != true {
		t.Error("credentials.endpoint is not x-weir-endpoint")
	}
	for _, k := range []string{"secret", "token"} {
		if creds[k].(map[string]any)["x-weir-secret"] != true {
			t.Errorf("credentials.%s is not x-weir-secret", k)
		}
	}
	for k := range d.ConfigSchema["properties"].(map[string]any) {
		if !strings.Contains(strings.Join(fieldOrder, ","), k) {
			t.Errorf("schema key %s is not a config key", k)
		}
	}
	for k := range creds {
		if !strings.Contains(strings.Join(credentialFields, ","), k) {
			t.Errorf("schema key credentials.%s is not a config key", k)
		}
	}
}
