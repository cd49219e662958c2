package host

import "log/slog"

// Options configure a Module. The zero value is usable.
type Options struct {
	Limits  Limits
	Network NetworkPolicy
	// CacheDir keeps compiled code across processes (wazero's compilation
	// cache, keyed by the module's digest); "" keeps it in this process
	// only. Modules with the same bytes share compiled code either way.
	CacheDir string
	// Logger receives the module's logs, stdout and stderr, tagged with
	// the plugin's id; nil means slog.Default().
	Logger *slog.Logger
	// RootCAs (PEM) is what modules see as the system's certificate
	// bundle (SSL_CERT_FILE), so TLS inside a module can verify servers;
	// nil means this host's own bundle.
	RootCAs []byte
	// Environ looks up the environment variables a source declares in
	// its schema ("x-weir-env"); during Discover the module gets those
	// it has, and read-only the files those marked "x-weir-file" name.
	// Undeclared variables never reach a module. nil: none. `weir
	// ingest` passes the pod's environment, less weir's own secrets.
	Environ func(name string) (string, bool)
	// Trusted compiles the module without wazero's termination checks,
	// which cost about 4x the guest's CPU (docs/performance.md, "WASM
	// sources"). A deadline then stops the module at its next host call
	// (log, emit, dial, conn_*, sleep, stdout/stderr) but not in a loop
	// that calls none: only the job's activeDeadlineSeconds bounds that.
	// For Weir's own built-in modules only (plugins/builtin.Load); leave
	// it false for anything fetched, mounted or uploaded.
	Trusted bool
}

func (o Options) withDefaults() Options {
	o.Limits = o.Limits.withDefaults()
	o.Network = o.Network.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RootCAs == nil {
		o.RootCAs = systemRoots()
	}
	return o
}
