package sourceplugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	"github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/fetch"
	"github.com/weir-dev/weir/plugins/host"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/policies/engine"
)

// outcome is what became of a SourcePlugin's module: the Ready
// condition's reason and message, and what the module said of itself.
type outcome struct {
	reason, message string
	desc            *model.Description // Loaded (and IDConflict)
	digest          string             // hex SHA-256 of the verified bytes, when there were any
}

// retried are the reasons a later attempt may fix without a spec change.
func (o outcome) retried() bool {
	return o.reason == pluginsv1.ReasonFetchFailed || o.reason == pluginsv1.ReasonDigestMismatch ||
		o.reason == pluginsv1.ReasonDescribeFailed
}

// memoEntry is a plugin's last definite outcome, for the spec it had.
type memoEntry struct {
	key string
	out outcome
}

// load fetches, verifies and describes sp's module. A definite outcome
// (described, or not a plugin) is remembered for sp's (url, sha256,
// limits), so a module is fetched and compiled once, not per reconcile.
func (r *reconciler) load(ctx context.Context, sp *pluginsv1.SourcePlugin) outcome {
	limits, err := hostLimits(sp.Spec.Limits)
	if err != nil {
		return outcome{reason: pluginsv1.ReasonInvalidLimits, message: err.Error()}
	}
	key := fmt.Sprintf("%s\x00%s\x00%+v", sp.Spec.URL, sp.Spec.SHA256, limits)
	r.mu.Lock()
	m, ok := r.memo[sp.Name]
	r.mu.Unlock()
	if ok && m.key == key {
		return m.out
	}
	out := r.fetchAndDescribe(ctx, sp, limits)
	loads.WithLabelValues(out.reason).Inc()
	if !out.retried() && out.reason != pluginsv1.ReasonUnsupported {
		r.mu.Lock()
		r.memo[sp.Name] = memoEntry{key: key, out: out}
		r.mu.Unlock()
	}
	return out
}

func (r *reconciler) fetchAndDescribe(ctx context.Context, sp *pluginsv1.SourcePlugin, limits host.Limits) outcome {
	b, err := r.fetcher.FetchTrusting(ctx, sp.Spec.URL, sp.Spec.SHA256, []byte(sp.Spec.CABundle))
	var de *fetch.DigestError
	switch {
	case errors.As(err, &de):
		return outcome{reason: pluginsv1.ReasonDigestMismatch, message: fmt.Sprintf(
			"the module at %s has sha256 %s, but spec.sha256 is %s: refusing it (fix spec.sha256 if the module is the one you meant)",
			de.URL, de.Got, de.Want)}
	case errors.Is(err, fetch.ErrUnsupported):
		return outcome{reason: pluginsv1.ReasonUnsupported, message: err.Error()}
	case err != nil:
		return outcome{reason: pluginsv1.ReasonFetchFailed, message: err.Error() + "; retrying"}
	}
	digest := sp.Spec.SHA256
	d, err := r.describe(ctx, b, limits)
	var me *describe.ModuleError
	switch {
	case errors.As(err, &me):
		if l := limitHit(me.Message); l != "" {
			limitHits.WithLabelValues(l).Inc()
		}
		return outcome{reason: pluginsv1.ReasonInvalidModule, digest: digest, message: me.Message}
	case err != nil:
		return outcome{reason: pluginsv1.ReasonDescribeFailed, digest: digest, message: err.Error() + "; retrying"}
	}
	if err := checkSchema(&d); err != nil {
		return outcome{reason: pluginsv1.ReasonInvalidModule, digest: digest, message: err.Error()}
	}
	return outcome{reason: pluginsv1.ReasonLoaded, digest: digest, desc: &d,
		message: fmt.Sprintf("module sha256:%s… describes source %q version %s (plugin ABI v%d)", digest[:12], d.ID, d.Version, d.ABI)}
}

// hostLimits turns spec.limits into the host's, refusing values it
// cannot apply.
func hostLimits(l *pluginsv1.Limits) (host.Limits, error) {
	var out host.Limits
	if l == nil {
		return out, nil
	}
	var errs []error
	if q := l.Memory; q != nil {
		if v := q.Value(); v <= 0 || v > 4<<30 {
			errs = append(errs, fmt.Errorf("spec.limits.memory %s: want more than 0 and at most 4Gi (wasm32)", q))
		} else {
			out.Memory = uint64(v)
		}
	}
	if q := l.OutputBytes; q != nil {
		if v := q.Value(); v <= 0 {
			errs = append(errs, fmt.Errorf("spec.limits.outputBytes %s: want more than 0", q))
		} else {
			out.Output = v
		}
	}
	for _, d := range []struct {
		field string
		v     *metav1.Duration
		dst   *time.Duration
	}{{"callTimeout", l.CallTimeout, &out.CallTime}, {"runTimeout", l.RunTimeout, &out.RunTime}} {
		switch {
		case d.v == nil:
		case d.v.Duration <= 0:
			errs = append(errs, fmt.Errorf("spec.limits.%s %s: want a positive duration", d.field, d.v.Duration))
		default:
			*d.dst = d.v.Duration
		}
	}
	return out, errors.Join(errs...)
}

// schemaJSON is the description's config schema as status holds it.
func schemaJSON(d *model.Description) ([]byte, error) {
	if d.ConfigSchema == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(d.ConfigSchema)
}

// checkSchema refuses a config schema with a "$ref" outside itself: the
// policies' json.match_schema would read that file or URL on every
// decision (policies/engine/schemaref.go). It never reaches status, so
// no replica's policies see it.
func checkSchema(d *model.Description) error {
	return engine.CheckSchemaRefs("the module's config schema", d.ConfigSchema)
}
