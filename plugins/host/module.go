package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

// capabilityNetwork is the one capability ABI v1 grants: dialing the
// endpoints a config names.
const capabilityNetwork = "network"

// Module is a loaded plugin module. It implements source.Source; its
// methods are safe for concurrent use, each call running in its own
// instance.
type Module struct {
	opts     Options
	digest   string
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	desc     model.Description
	descJSON json.RawMessage // Describe hands out copies of this
}

var _ source.Source = (*Module)(nil)

// Load compiles wasm (or takes its compiled code from the cache), checks
// that it is a plugin for ABI v1, and reads its description.
func Load(ctx context.Context, wasm []byte, opts Options) (*Module, error) {
	sum := sha256.Sum256(wasm)
	m := &Module{opts: opts.withDefaults(), digest: hex.EncodeToString(sum[:])}
	cache, err := compilationCache(m.opts.CacheDir)
	if err != nil {
		return nil, err
	}
	m.runtime = wazero.NewRuntimeWithConfig(ctx, runtimeConfig(m.opts, cache))
	if err := m.load(ctx, wasm); err != nil {
		_ = m.runtime.Close(ctx)
		return nil, err
	}
	return m, nil
}

func runtimeConfig(o Options, cache wazero.CompilationCache) wazero.RuntimeConfig {
	return wazero.NewRuntimeConfig().
		WithCompilationCache(cache).
		WithMemoryLimitPages(o.Limits.memoryPages()).
		WithCoreFeatures(coreFeatures).
		// Lets a deadline stop a module in a loop that calls nothing.
		// wazero's module ID (and so its cache key) includes this flag,
		// so trusted and checked code of the same bytes never mix in a
		// shared CacheDir (TestTrustedAndCheckedCodeAreCachedApart).
		WithCloseOnContextDone(!o.Trusted)
}

func (m *Module) load(ctx context.Context, wasm []byte) error {
	var err error
	if m.compiled, err = m.runtime.CompileModule(ctx, wasm); err != nil {
		if strings.Contains(err.Error(), "over limit") {
			return &LimitError{Module: m.name(), Limit: LimitMemory, Value: bytesString(m.opts.Limits.Memory), Detail: err.Error()}
		}
		if terr := m.tableError(0, err); terr != nil {
			return terr
		}
		return fmt.Errorf("plugin %s is not a valid WebAssembly module: %w", m.name(), err)
	}
	if n, err := checkTables(wasm); err != nil {
		return &ProtocolError{Module: m.name(), Detail: "unreadable table section: " + err.Error()}
	} else if n > maxTableEntries {
		return m.tableError(n, nil)
	}
	if err := m.checkModule(ctx, wasm); err != nil {
		return err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, m.runtime); err != nil {
		return err
	}
	if err := instantiateHostModule(ctx, m.runtime); err != nil {
		return err
	}
	in, err := m.newInstance(ctx, ctx, nil)
	if err != nil {
		return err
	}
	defer in.close()
	v, err := in.invoke(exportABIVersion, true)
	if err != nil {
		return err
	}
	if got := int(int32(v)); got != ABIVersion {
		return &ABIError{Module: m.name(), Got: got}
	}
	if err := m.checkExports(); err != nil {
		return err
	}
	packed, err := in.invoke(exportDescribe, true)
	if err != nil {
		return err
	}
	raw, err := in.result(packed)
	if err != nil {
		return fmt.Errorf("plugin %s: describe: %w", m.name(), err)
	}
	var d model.Description
	if err := json.Unmarshal(raw, &d); err != nil {
		return &ProtocolError{Module: m.name(), Detail: "invalid description: " + err.Error()}
	}
	if err := m.checkDescription(d); err != nil {
		return err
	}
	m.desc, m.descJSON = d, raw
	return nil
}

// maxVersionLen is the CRD's bound on SourcePlugin status.version.
const maxVersionLen = 256

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (m *Module) checkDescription(d model.Description) error {
	bad := func(format string, args ...any) error {
		return &ProtocolError{Module: m.name(), Detail: "invalid description: " + fmt.Sprintf(format, args...)}
	}
	switch {
	case d.ABI != ABIVersion:
		return &ABIError{Module: m.name(), Got: d.ABI}
	case !idPattern.MatchString(d.ID):
		return bad("id %q is not lower-case letters, digits, - and _ (at most 63)", d.ID)
	case d.Version == "":
		return bad("no version")
	case len(d.Version) > maxVersionLen:
		// SourcePlugin status.version is bounded by the CRD; a longer one
		// would make the whole status write fail.
		return bad("version is %d bytes, more than %d", len(d.Version), maxVersionLen)
	case d.ConfigSchema == nil:
		return bad("no config_schema")
	}
	for _, c := range d.Capabilities {
		if c != capabilityNetwork {
			return bad("capability %q is not one ABI v%d grants (only %q)", c, ABIVersion, capabilityNetwork)
		}
	}
	return nil
}

// name identifies the module in messages: its id once known, else its
// digest.
func (m *Module) name() string {
	if m.desc.ID != "" {
		return m.desc.ID
	}
	return "sha256:" + m.digest[:12]
}

func (m *Module) logger() *slog.Logger {
	return m.opts.Logger.With("plugin", m.name())
}

// Digest is the hex SHA-256 of the module's bytes.
func (m *Module) Digest() string { return m.digest }

// Describe returns the description the module gave at Load, as a copy
// the caller may change.
func (m *Module) Describe(context.Context) (model.Description, error) {
	var d model.Description
	err := json.Unmarshal(m.descJSON, &d)
	return d, err
}

// Validate checks config in a fresh instance, without network access.
// The module's own verdict is a *source.Error.
func (m *Module) Validate(ctx context.Context, config json.RawMessage) error {
	in, err := m.newInstance(ctx, ctx, nil)
	if err != nil {
		return err
	}
	defer in.close()
	return in.callWith(exportValidate, true, config)
}

// Discover validates config and runs discovery in a fresh instance,
// passing each batch to emit. The module may dial only the endpoints the
// config names (fields its schema marks "x-weir-endpoint") and those the
// config's and its declared variables' values imply (grant.go). An error
// from emit stops discovery and is returned unchanged; a limit, a
// policy violation or a crash stops it with a *LimitError, *PolicyError
// or *CrashError. Batches emitted before a failure were sent, but the
// run failed: callers must not treat them as a complete discovery.
func (m *Module) Discover(ctx context.Context, config json.RawMessage, emit func([]model.Item) error) error {
	if emit == nil {
		return errors.New("host: Discover needs an emit function")
	}
	run, cancel := context.WithTimeout(ctx, m.opts.Limits.RunTime)
	defer cancel()
	g := m.grantFor(config)
	in, err := m.newInstance(ctx, run, g)
	if err != nil {
		return err
	}
	defer in.close()
	if err := in.callWith(exportValidate, true, config); err != nil {
		return err
	}
	in.discovering, in.allow, in.emit = true, g.allow, emit
	return in.callWith(exportDiscover, false, config)
}

// Close releases the module's runtime. Compiled code stays in the cache.
func (m *Module) Close(ctx context.Context) error { return m.runtime.Close(ctx) }
