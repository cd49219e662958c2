package host

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/host/hosttest"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// probe runs envprobe's Discover with environ and config, returning the
// metadata it reported and Discover's error.
func probe(t *testing.T, environ func(string) (string, bool), res Resolver, config string) (map[string]any, error) {
	t.Helper()
	opts, _ := testOptions(t)
	opts.Environ = environ
	opts.Network.Resolver = res
	m := load(t, "envprobe", opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var md map[string]any
	err := m.Discover(ctx, json.RawMessage(config), func(items []model.Item) error {
		if len(items) > 0 && items[0].Asset != nil {
			md = items[0].Asset.Metadata
		}
		return nil
	})
	if md == nil {
		t.Fatalf("envprobe emitted nothing: %v", err)
	}
	return md, err
}

// Only declared variables reach the module, and the one file a declared
// variable names is there, read-only, alone in its directory.
func TestGrantEnvAndFile(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("jwt-content"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other-secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PROBE_TOKEN", "role-value")
	t.Setenv("PROBE_FILE", token)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "must-not-leak")
	t.Setenv("MARMOT_API_KEY", "must-not-leak")
	md, err := probe(t, os.LookupEnv, nil, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	env := md["env"].(string)
	for _, name := range []string{"PROBE_TOKEN", "PROBE_FILE"} {
		if !strings.Contains(","+env+",", ","+name+",") {
			t.Errorf("declared %s not passed; the module saw %s", name, env)
		}
	}
	for _, name := range []string{"AWS_SECRET_ACCESS_KEY", "MARMOT_API_KEY", "PROBE_ENDPOINT", "HOME", "PATH"} {
		if strings.Contains(","+env+",", ","+name+",") {
			t.Errorf("%s reached the module (it saw %s)", name, env)
		}
	}
	if md["token"] != "role-value" {
		t.Errorf("PROBE_TOKEN = %q", md["token"])
	}
	if md["file"] != "jwt-content" || md["file_error"] != "" {
		t.Errorf("reading the granted file: %q, %q", md["file"], md["file_error"])
	}
	if md["write_error"] == "" || md["append_error"] == "" {
		t.Errorf("the module could write the granted file: write %q, append %q", md["write_error"], md["append_error"])
	}
	if b, _ := os.ReadFile(token); string(b) != "jwt-content" {
		t.Errorf("the host file changed: %q", b)
	}
	if md["dir"] != "token" {
		t.Errorf("the module sees %q in the file's directory (%s), want only token", md["dir"], md["dir_error"])
	}
	if md["passwd_error"] == "" {
		t.Error("the module could read /etc/passwd")
	}
}

// Without Environ nothing is passed; a file under the pod's Kubernetes
// credentials is never mounted (nor its variable passed).
func TestGrantRefused(t *testing.T) {
	t.Setenv("PROBE_TOKEN", "v")
	md, err := probe(t, nil, nil, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md["env"].(string), "PROBE") {
		t.Errorf("nil Environ passed %s", md["env"])
	}
	environ := func(name string) (string, bool) {
		if name == "PROBE_FILE" {
			return "/var/run/secrets/kubernetes.io/serviceaccount/token", true
		}
		return "", false
	}
	md, err = probe(t, environ, nil, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md["env"].(string), "PROBE_FILE") {
		t.Errorf("a variable naming the Kubernetes token was passed: %s", md["env"])
	}
	g := hostFiles{}
	for _, p := range []string{"relative/token", "/a/../b/token", "/run/secrets/kubernetes.io/x", certFile} {
		if why := g.add(p); why == "" {
			t.Errorf("hostFiles.add(%q) granted", p)
		}
	}
}

// The hosts a region implies (from the config or a declared variable)
// and a declared endpoint variable are dialable; another region's are not.
func TestGrantEndpoints(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	environ := func(name string) (string, bool) {
		switch name {
		case "PROBE_ENDPOINT":
			return "http://" + ln.Addr().String(), true
		case "PROBE_REGION":
			return "us-west-2", true
		}
		return "", false
	}
	for _, tt := range []struct {
		config, resolved string // resolved: the dial was allowed and got as far as resolving it
		allowed, refused bool
	}{
		{config: `{"region": "eu-west-1", "dial": "probe.eu-west-1.example.com:443"}`, resolved: "probe.eu-west-1.example.com"},
		{config: `{"region": "EU-West-1", "dial": "PROBE.eu-west-1.example.com.:443"}`, resolved: "PROBE.eu-west-1.example.com."},
		{config: `{"region": "eu-west-1", "dial": "bucket.wild.eu-west-1.example.com:443"}`, resolved: "bucket.wild.eu-west-1.example.com"},
		{config: `{"dial": "probe.us-west-2.example.com:443"}`, resolved: "probe.us-west-2.example.com"}, // PROBE_REGION
		{config: `{"dial": "` + ln.Addr().String() + `"}`, allowed: true},                                // PROBE_ENDPOINT
		{config: `{"region": "eu-west-1", "dial": "probe.us-east-1.example.com:443"}`, refused: true},
		{config: `{"region": "eu-west-1", "dial": "probe.eu-west-1.example.com:80"}`, refused: true},
		{config: `{"region": "eu-west-1", "dial": "wild.eu-west-1.example.com:443"}`, refused: true},
		{config: `{"region": "evil.com", "dial": "probe.evil.com.example.com:443"}`, refused: true},
		{config: `{"region": "*", "dial": "probe.x.example.com:443"}`, refused: true},
	} {
		res := &hosttest.Resolver{}
		_, err := probe(t, environ, res, tt.config)
		var pe *PolicyError
		var se *source.Error
		switch {
		case tt.refused:
			if !errors.As(err, &pe) {
				t.Errorf("%s: want a refusal, got %v", tt.config, err)
			}
		case tt.allowed:
			if err != nil {
				t.Errorf("%s: %v", tt.config, err)
			}
		default:
			if errors.As(err, &pe) || !errors.As(err, &se) || len(res.Asked()) != 1 || res.Asked()[0] != tt.resolved {
				t.Errorf("%s: want the dial allowed and %s resolved, got %v (resolved %q)", tt.config, tt.resolved, err, res.Asked())
			}
		}
	}
}

func TestTemplateEndpoints(t *testing.T) {
	tmpls := []string{"s3.{value}.amazonaws.com:443", "*.s3.{value}.amazonaws.com:443", "sts.amazonaws.com:443"}
	got := allowlist(templateEndpoints(tmpls, " eu-west-1 ")).String()
	if want := "s3.eu-west-1.amazonaws.com:443, *.s3.eu-west-1.amazonaws.com:443, sts.amazonaws.com:443"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for _, v := range []string{"", "a.b", "a:1", "*", "-x", "a/b", "a b"} {
		if e := templateEndpoints(tmpls, v); len(e) != 0 {
			t.Errorf("value %q implied %v", v, e)
		}
	}
}
