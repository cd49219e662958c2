package policybundles

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// Loader keeps the last good revision of every PolicyBundle and loads
// them, with the (customised) embedded bundle, into the engine.
type Loader struct {
	engine         *engine.Engine
	defaultEnabled bool
	store          LastGoodStore
	embedded       engine.Bundle
	embeddedRev    string

	mu       sync.Mutex // guards what follows; holding it through Load keeps loads in order
	bundles  map[string]*bundleState
	revision engine.Revision
	onChange []func(engine.Revision)
	exported exported
	// sources is data.sources in every bundle: the config schema of each
	// source id Weir knows (SetSources).
	sources map[string]any
}

// bundleState is what the loader knows of one PolicyBundle.
type bundleState struct {
	spec    string // digest of the spec judged last
	verdict verdict
	good    *engine.Bundle // last revision that compiled; nil if none has
	goodRev string
	// restored: good came from the LastGoodStore, not this process.
	restored, restoreTried bool
}

// verdict is what became of a spec.
type verdict struct {
	reason   string // a policiesv1.Reason*
	problems []engine.Problem
}

// report is what a PolicyBundle's status says.
type report struct {
	verdict
	// revision is the digest of the bundle's revision in force; "" when
	// nothing of it is.
	revision string
	// embedded: for "default", the embedded bundle is in force unchanged.
	embedded bool
	// restored: the revision in force was saved before a restart.
	restored bool
	// asShipped: for "default", its spec changes nothing of the embedded
	// bundle.
	asShipped bool
}

// NewLoader returns a loader for opts; Setup makes the manager's, and
// tests make one to decide exactly as the cluster does.
func NewLoader(opts Options) (*Loader, error) {
	if opts.Engine == nil {
		return nil, errors.New("policies: Options.Engine is required")
	}
	l := &Loader{engine: opts.Engine, defaultEnabled: opts.DefaultEnabled, store: opts.LastGood, bundles: map[string]*bundleState{}}
	if opts.DefaultEnabled {
		l.embedded = engine.DefaultBundle()
		rev, err := l.embedded.Digest()
		if err != nil {
			return nil, err
		}
		l.embeddedRev = rev
	}
	return l, nil
}

// OnChange registers f to be called, outside the loader's locks, after
// each load that put a new revision in force: objects admitted under the
// old one may need another look.
func (l *Loader) OnChange(f func(engine.Revision)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onChange = append(l.onChange, f)
}

// LoadInitial loads what the loader knows now into the engine: at start,
// the embedded bundle when enabled, else nothing (which allows every
// request). Setup calls it, so the webhooks can decide before the first
// PolicyBundle is read.
func (l *Loader) LoadInitial(ctx context.Context) error {
	_, err := l.sync(ctx, nil, false)
	return err
}

// sync judges the PolicyBundles that exist (specs already judged are not
// compiled again), forgets deleted ones and loads the result. With
// present false the known bundles are kept as they are.
func (l *Loader) sync(ctx context.Context, items []policiesv1.PolicyBundle, present bool) (map[string]report, error) {
	l.mu.Lock()
	if present {
		seen := map[string]bool{}
		for i := range items {
			pb := &items[i]
			if pb.DeletionTimestamp != nil {
				continue
			}
			seen[pb.Name] = true
			st := l.bundles[pb.Name]
			if st == nil {
				st = &bundleState{}
				l.bundles[pb.Name] = st
				loadFailures.WithLabelValues(pb.Name) // from 0, so rate() sees the first failure
			}
			l.judge(ctx, st, pb)
		}
		for name := range l.bundles {
			if !seen[name] {
				delete(l.bundles, name)
				loadFailures.DeleteLabelValues(name)
			}
		}
	}
	before := l.revision.ID
	rev, err := l.load(ctx)
	reports := make(map[string]report, len(l.bundles))
	for name, st := range l.bundles {
		reports[name] = l.report(name, st)
	}
	subs := slices.Clone(l.onChange)
	l.mu.Unlock()
	if err != nil {
		return reports, err
	}
	if rev.ID != before {
		for _, f := range subs {
			f(rev)
		}
	}
	return reports, nil
}

// SetSources makes sources data.sources for every bundle and reloads:
// a map from source id to {"schema": <JSON Schema of its config>,
// "builtin": bool}, so policies can check a Run's runs[] against the
// schema of the source it names. Weir owns data.sources: a bundle's own
// data under that key is replaced.
func (l *Loader) SetSources(ctx context.Context, sources map[string]any) error {
	l.mu.Lock()
	l.sources = sources
	l.mu.Unlock()
	_, err := l.sync(ctx, nil, false)
	return err
}

// WithSources is b with data.sources set, leaving b's own map unchanged:
// how every bundle gets the source catalogue, in the cluster and in
// `weir policy eval`.
func WithSources(b engine.Bundle, sources map[string]any) engine.Bundle {
	data := make(map[string]any, len(b.Data)+1)
	maps.Copy(data, b.Data)
	data["sources"] = sources
	b.Data = data
	return b
}

// Check compiles pb as the loader would load it (the bundle named
// "default" merged into the embedded one) and changes nothing, so the
// validating webhook can refuse what would not load. Problems come as an
// *engine.Error with file:line:col. A "default" bundle is accepted when the
// embedded one is off: it has no effect, and its status says so.
func (l *Loader) Check(_ context.Context, pb *policiesv1.PolicyBundle) error {
	if pb.Name == policiesv1.DefaultBundleName && !l.defaultEnabled {
		return nil
	}
	if noModules(pb) {
		return &engine.Error{Bundle: pb.Name, Problems: []engine.Problem{{Message: noModulesMessage}}}
	}
	_, _, err := l.compile(pb)
	return err
}

// noModulesMessage explains why a bundle without modules is refused.
const noModulesMessage = `the bundle has no modules (only the bundle named "default" may have none)`

func noModules(pb *policiesv1.PolicyBundle) bool {
	return pb.Name != policiesv1.DefaultBundleName && len(pb.Spec.Modules) == 0
}

// compile is pb as it would be loaded, with its digest, if it compiles.
func (l *Loader) compile(pb *policiesv1.PolicyBundle) (engine.Bundle, string, error) {
	b, err := EngineBundle(l.embedded, pb)
	if err == nil {
		err = l.engine.Validate(b)
	}
	var rev string
	if err == nil {
		rev, err = b.Digest()
	}
	return b, rev, err
}

// judge compiles a spec it has not seen; a spec that fails leaves the
// last good revision in force: this process's, or the one the
// LastGoodStore saved before a restart.
func (l *Loader) judge(ctx context.Context, st *bundleState, pb *policiesv1.PolicyBundle) {
	digest := specDigest(pb.Spec)
	if digest == st.spec {
		return
	}
	st.spec = digest
	if pb.Name == policiesv1.DefaultBundleName && !l.defaultEnabled {
		st.verdict = verdict{reason: policiesv1.ReasonDefaultDisabled}
		return
	}
	if noModules(pb) {
		st.verdict = verdict{reason: policiesv1.ReasonNoModules}
		loadFailures.WithLabelValues(pb.Name).Inc()
		return
	}
	b, rev, err := l.compile(pb)
	if err != nil {
		st.verdict = verdict{reason: policiesv1.ReasonCompileFailed, problems: problemsOf(err)}
		loadFailures.WithLabelValues(pb.Name).Inc()
		if st.good == nil && !st.restoreTried && l.store != nil {
			l.restore(ctx, st, pb)
		}
		return
	}
	st.verdict = verdict{reason: policiesv1.ReasonLoaded}
	st.good, st.goodRev, st.restored = &b, rev, false
}

// restore puts the saved last good spec of pb in force, if there is one
// and it still compiles to the revision it was saved with.
func (l *Loader) restore(ctx context.Context, st *bundleState, pb *policiesv1.PolicyBundle) {
	log := ctrllog.FromContext(ctx).WithValues("policybundle", pb.Name)
	spec, rev, ok, err := l.store.Load(ctx, pb.Name)
	if err != nil {
		log.Error(err, "reading the bundle's last good revision; will try again on its next change")
		return
	}
	st.restoreTried = true
	if !ok {
		return
	}
	saved := pb.DeepCopy()
	saved.Spec = spec
	b, got, err := l.compile(saved)
	if err != nil || got != rev {
		log.Info("the saved last good revision no longer compiles to itself; nothing of the bundle is in force", "revision", rev, "error", err)
		return
	}
	st.good, st.goodRev, st.restored = &b, rev, true
}

// savable reports whether name's revision in force is the one its spec
// compiled to in this process, i.e. one the LastGoodStore should hold.
func (l *Loader) savable(name string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.bundles[name]
	if st == nil || st.good == nil || st.restored || st.verdict.reason != policiesv1.ReasonLoaded {
		return "", false
	}
	return st.goodRev, true
}

// load puts the embedded bundle (customised, if enabled) and the last
// good revision of every other bundle, by name, into the engine.
func (l *Loader) load(ctx context.Context) (engine.Revision, error) {
	var bundles []engine.Bundle
	revs := map[string]string{}
	if l.defaultEnabled {
		b, rev := l.embedded, l.embeddedRev
		if st := l.bundles[policiesv1.DefaultBundleName]; st != nil && st.good != nil {
			b, rev = *st.good, st.goodRev
		}
		bundles = append(bundles, b)
		revs[b.Name] = rev
	}
	for _, name := range slices.Sorted(maps.Keys(l.bundles)) {
		if st := l.bundles[name]; name != policiesv1.DefaultBundleName && st.good != nil {
			bundles = append(bundles, *st.good)
			revs[name] = st.goodRev
		}
	}
	if l.sources != nil {
		for i := range bundles {
			bundles[i] = WithSources(bundles[i], l.sources)
		}
	}
	rev, err := l.engine.Load(ctx, bundles...)
	if err != nil {
		// Each bundle compiled alone, so this is a cancelled context or a
		// bug; the engine keeps the revision it had.
		return l.revision, fmt.Errorf("loading policy bundles: %w", err)
	}
	l.revision = rev
	l.exported.set(revs, rev.ID)
	return rev, nil
}

func (l *Loader) report(name string, st *bundleState) report {
	r := report{verdict: st.verdict, restored: st.restored}
	switch {
	case name != policiesv1.DefaultBundleName:
		if st.good != nil {
			r.revision = st.goodRev
		}
	case !l.defaultEnabled:
	case st.good != nil:
		r.revision, r.asShipped = st.goodRev, st.goodRev == l.embeddedRev
	default:
		r.revision, r.embedded = l.embeddedRev, true
	}
	return r
}

// problemsOf lists a failed compile's problems, with file:line:col when
// the engine has them.
func problemsOf(err error) []engine.Problem {
	var be *engine.Error
	if errors.As(err, &be) {
		return be.Problems
	}
	return []engine.Problem{{Message: err.Error()}}
}
