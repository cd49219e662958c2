package ingest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

const apiKeyValue = "api-key-value-do-not-print"

const twoSources = "name: my-pipeline\nruns:\n  - postgresql: {password: '${PG_PASSWORD}'}\n  - mysql: {}\n"

// execute runs cmd with args and returns everything it wrote and its error.
func execute(cmd *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// capture returns a runner that records its settings instead of running.
func capture(got *settings) runner {
	return func(_ *cobra.Command, s settings) error {
		*got = s
		return nil
	}
}

func TestCommandFails(t *testing.T) {
	env := map[string]string{"PG_PASSWORD": "pw", HostEnv: "http://marmot:8080", APIKeyEnv: apiKeyValue}
	tests := []struct {
		name string
		env  map[string]string
		args []string // the config file path is appended
		want []string
	}{
		{
			name: "unknown sources fail, each with the known ids",
			env:  env,
			want: []string{
				`pipeline "my-pipeline": 2 of 2 sources failed`,
				`source "postgresql" (runs[0]): unknown source "postgresql"; known sources: kafka, oracle`,
				`source "mysql" (runs[1]): unknown source "mysql"; known sources: kafka, oracle`,
			},
		},
		{
			name: "explicitly empty host overrides the environment",
			env:  env,
			args: []string{"--host="},
			want: []string{"--host is empty", HostEnv, DefaultHost},
		},
		{
			name: "config errors stop before the host check",
			env:  map[string]string{APIKeyEnv: apiKeyValue},
			want: []string{"invalid pipeline config", "runs[0].postgresql.password: environment variable PG_PASSWORD is not set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newCommand(mapLookup(tt.env), ingestWith(Registry{"kafka": &fakeSource{}, "oracle": &fakeSource{}}, deps{}))
			out, err := execute(cmd, append(tt.args, "-c", writeFile(t, twoSources))...)
			if err == nil {
				t.Fatalf("command succeeded; want an error. Output:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "Usage:") {
				t.Errorf("usage printed on a runtime error:\n%s", out)
			}
			if strings.Contains(out+err.Error(), apiKeyValue) {
				t.Errorf("API key value printed:\n%s", out)
			}
		})
	}
}

func TestCommandFlags(t *testing.T) {
	env := map[string]string{HostEnv: "http://env-host", APIKeyEnv: "env-key"}
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantHost   string
		wantAPIKey string
		wantDestry bool
		wantDryRun bool
	}{
		{name: "long --config, env defaults", env: env, args: []string{"--config"},
			wantHost: "http://env-host", wantAPIKey: "env-key"},
		{name: "-c shorthand", env: env, args: []string{"-c"},
			wantHost: "http://env-host", wantAPIKey: "env-key"},
		{name: "flags override env", env: env, args: []string{"--host", "http://flag-host", "--api-key", "flag-key", "-c"},
			wantHost: "http://flag-host", wantAPIKey: "flag-key"},
		{name: "marmot shorthands", env: nil, args: []string{"-H", "http://h", "-k", "k", "-d", "-y", "-q", "-c"},
			wantHost: "http://h", wantAPIKey: "k", wantDestry: true},
		{name: "dry-run and compatibility flags", env: env, args: []string{"--dry-run", "--yes", "--quiet=false", "-c"},
			wantHost: "http://env-host", wantAPIKey: "env-key", wantDryRun: true},
		{name: "dry-run needs no host", env: nil, args: []string{"--dry-run", "-c"}, wantHost: DefaultHost, wantDryRun: true},
		// As marmot ingest: --host, else MARMOT_HOST, else localhost:8080.
		{name: "no host: upstream's default", env: nil, args: []string{"-c"}, wantHost: "http://localhost:8080"},
		{name: "empty MARMOT_HOST: the default", env: map[string]string{HostEnv: ""}, args: []string{"-c"}, wantHost: "http://localhost:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got settings
			cmd := newCommand(mapLookup(tt.env), capture(&got))
			out, err := execute(cmd, append(tt.args, writeFile(t, "name: p\nruns:\n  - mysql: {}\n"))...)
			if err != nil {
				t.Fatalf("command failed: %v\n%s", err, out)
			}
			if got.Pipeline == nil || got.Pipeline.Name != "p" {
				t.Fatalf("pipeline not loaded: %#v", got.Pipeline)
			}
			if got.Host != tt.wantHost || got.APIKey != tt.wantAPIKey || got.Destroy != tt.wantDestry || got.DryRun != tt.wantDryRun {
				t.Errorf("settings = host %q, api key %q, destroy %v, dry-run %v; want %q, %q, %v, %v",
					got.Host, got.APIKey, got.Destroy, got.DryRun, tt.wantHost, tt.wantAPIKey, tt.wantDestry, tt.wantDryRun)
			}
		})
	}
}

func TestCommandUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "config is required", args: nil, want: `required flag(s) "config" not set`},
		{name: "no positional arguments", args: []string{"-c", "x.yaml", "extra"}, want: `unknown command "extra"`},
		{name: "unknown flag", args: []string{"-c", "x.yaml", "--bogus"}, want: "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			cmd := newCommand(mapLookup(nil), func(*cobra.Command, settings) error { ran = true; return nil })
			_, err := execute(cmd, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want one containing %q", err, tt.want)
			}
			if ran {
				t.Error("runner ran despite a usage error")
			}
		})
	}
}

// TestNewCommandUsesEnvironment checks the real wiring: os environment
// defaults, and the API key kept out of help and error output.
func TestNewCommandUsesEnvironment(t *testing.T) {
	t.Setenv(HostEnv, "http://marmot:8080")
	t.Setenv(APIKeyEnv, apiKeyValue)
	t.Setenv("PG_PASSWORD", "pw")

	help, err := execute(NewCommand(), "--help")
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	if !strings.Contains(help, "--api-key") || strings.Contains(help, apiKeyValue) {
		t.Errorf("help must list --api-key but not its value:\n%s", help)
	}

	// Run as main.go will: a subcommand of a root that silences usage.
	root := &cobra.Command{Use: "weir", SilenceUsage: true}
	root.AddCommand(NewCommand())
	out, err := execute(root, "ingest", "-c", writeFile(t, twoSources))
	if err == nil {
		t.Fatalf("ingest succeeded; want an error:\n%s", out)
	}
	// Getting past the --host check proves MARMOT_HOST was read.
	if !strings.Contains(out, `source "postgresql" (runs[0]): unknown source "postgresql": this build of weir has no sources`) {
		t.Errorf("output lacks the no-source error:\n%s", out)
	}
	if strings.Count(out, "Error:") != 1 {
		t.Errorf("want the error printed exactly once:\n%s", out)
	}
	if strings.Contains(out+err.Error(), apiKeyValue) {
		t.Errorf("API key value printed:\n%s", out)
	}
}
