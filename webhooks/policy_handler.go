package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/weir-dev/weir/policies/engine"
)

// PolicyHandler answers admission requests with the policy engine's
// decision. One type serves both sides: validating webhooks return
// denials and warnings, mutating ones the patch (their denials and
// warnings are left to the validating webhook, which sees the patched
// object, so users never get a message twice).
type PolicyHandler struct {
	Engine  *engine.Engine
	Related Related
	// Webhook is the webhook's name, for metrics and logs.
	Webhook  string
	Mutating bool
	Log      logr.Logger
	// Check, when set, runs before the policies and may deny on its own
	// (PolicyBundle: the bundle must compile).
	Check func(ctx context.Context, req admission.Request) []engine.Violation
	// Malformed, when set on a mutating handler, reports an object the API
	// server's schema check will refuse (a quantity such as "1.5cores").
	// That check runs after mutating webhooks and before validating ones,
	// and words its refusal as a regular expression; so when the policies
	// deny such an object, the mutating webhook refuses it with their
	// sentences, and the user reads them instead.
	Malformed func(req admission.Request) error
	// Warn, when set on a validating handler, adds warnings of its own to
	// an admitted request's (Run: Secrets it names that do not exist).
	Warn func(ctx context.Context, req admission.Request) []engine.Violation
	// Permissions, when set on a validating handler, returns the
	// requesting user's RBAC answers the policies decide with, put in
	// input.related.permissions (nil: the request needs none).
	Permissions func(ctx context.Context, req admission.Request) (map[string]any, error)
	// Finalizer, when set on a mutating handler, names the finalizer a
	// created object is to be held by, given the object as the policies'
	// patch leaves it ("" for none); see finalizers.go.
	Finalizer func(object []byte) string
}

var _ admission.Handler = (*PolicyHandler)(nil)

// Handle implements admission.Handler.
func (h *PolicyHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	start := time.Now()
	kind := req.Kind.Kind
	clock := startPhases()
	resp, result := h.handle(ctx, req, clock)
	clock.flush(h.Webhook, string(req.Operation))
	requestDuration.WithLabelValues(h.Webhook, kind, string(req.Operation)).Observe(time.Since(start).Seconds())
	decisions.WithLabelValues(h.Webhook, kind, result).Inc()
	return resp
}

func (h *PolicyHandler) handle(ctx context.Context, req admission.Request, clock *phaseClock) (admission.Response, string) {
	kind := req.Kind.Kind
	if unjudged(req) {
		clock.done(phaseDecode)
		return admission.Allowed(""), resultAllowed
	}
	clock.done(phaseDecode)
	// The kind's check and its warnings ask the API server (Run: a
	// SubjectAccessReview and a metadata get per Secret it names): round
	// trips the cache cannot answer, which took most of a Run create's
	// webhook time one after the other. They run alongside the policies
	// now, and the answer is the same: the check's denial still comes
	// first, and the warnings are used only when the request is allowed.
	var check, warn <-chan lookup
	if h.Check != nil && !h.Mutating {
		check = goLookup(func() []engine.Violation { return h.Check(ctx, req) })
	}
	if h.Warn != nil && !h.Mutating {
		warn = goLookup(func() []engine.Violation { return h.Warn(ctx, req) })
	}
	clock.skip()
	// denials answers with the check's denial when there is one; it waits
	// for the check.
	checkDenied := func() (admission.Response, bool) {
		if check == nil {
			return admission.Response{}, false
		}
		c := <-check
		check = nil
		clock.done(phaseWait)
		clock.add(phaseAccess, c.took)
		if len(c.vs) == 0 {
			return admission.Response{}, false
		}
		resp := denied(kind, c.vs)
		clock.done(phaseEncode)
		return resp, true
	}
	in, err := inputOf(req)
	clock.done(phaseDecode)
	if err != nil {
		if resp, ok := checkDenied(); ok {
			return resp, resultDenied
		}
		return admission.Errored(http.StatusBadRequest, err), resultError
	}
	in.Related, err = h.Related.Resolve(ctx, req)
	clock.done(phaseRelated)
	if err != nil {
		if resp, ok := checkDenied(); ok {
			return resp, resultDenied
		}
		// Without its namespace a decision could be wrong either way;
		// refusing is the safe side, and the message says why.
		return admission.Errored(http.StatusServiceUnavailable, fmt.Errorf("policy input: %w", err)), resultError
	}
	if h.Permissions != nil && !h.Mutating {
		p, err := h.Permissions(ctx, req)
		clock.done(phaseRelated)
		if err != nil {
			if resp, ok := checkDenied(); ok {
				return resp, resultDenied
			}
			return admission.Errored(http.StatusServiceUnavailable, fmt.Errorf("policy input: %w", err)), resultError
		}
		if p != nil {
			in.Related["permissions"] = p
		}
	}
	// Each side evaluates the rules it answers with: a validating webhook
	// the verdicts, a mutating one the patch, and the verdicts too only
	// for an object the schema check will refuse (see Malformed).
	parts, malformed := engine.Verdicts, false
	if h.Mutating {
		parts = engine.Patches
		if malformed = h.Malformed != nil && h.Malformed(req) != nil; malformed {
			parts = engine.AllParts
		}
		clock.done(phaseDecode)
	}
	t := time.Now()
	d, err := h.Engine.DecideParts(ctx, in, parts)
	evalDuration.WithLabelValues(kind).Observe(time.Since(t).Seconds())
	clock.done(phaseEvaluate)
	if resp, ok := checkDenied(); ok {
		return resp, resultDenied
	}
	if err != nil {
		h.Log.Error(err, "policy decision failed", "kind", kind, "namespace", req.Namespace, "name", in.Name)
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("policy decision: %w", err)), resultError
	}
	if len(d.DryRun) > 0 {
		h.Log.Info("dry-run policies would have acted", "kind", kind, "namespace", req.Namespace, "name", in.Name,
			"revision", d.Revision, "findings", warnings(d.DryRun))
		decisions.WithLabelValues(h.Webhook, kind, resultDryRun).Add(float64(len(d.DryRun)))
		clock.skip()
	}
	if h.Mutating {
		defer clock.done(phaseEncode)
		if malformed && len(d.Denials) > 0 {
			resp := denied(kind, d.Denials)
			resp.Warnings = warnings(d.Warnings)
			return resp, resultDenied
		}
		finalize := h.finalizerOp(req)
		if (len(d.Patch) == 0 && finalize == nil) || len(req.Object.Raw) == 0 {
			return admission.Allowed(""), resultAllowed
		}
		resp, changed := patched(req.Object.Raw, d.Patch, finalize)
		switch {
		case !resp.Allowed:
			return resp, resultError
		case changed:
			return resp, resultPatched
		}
		return resp, resultAllowed
	}
	if !d.Allowed() {
		resp := denied(kind, d.Denials)
		resp.Warnings = warnings(d.Warnings)
		clock.done(phaseEncode)
		return resp, resultDenied
	}
	if warn != nil {
		w := <-warn
		clock.done(phaseWait)
		clock.add(phaseReferences, w.took)
		d.Warnings = append(d.Warnings, w.vs...)
	}
	defer clock.done(phaseEncode)
	resp := admission.Allowed("")
	if resp.Warnings = warnings(d.Warnings); len(resp.Warnings) > 0 {
		return resp, resultWarned
	}
	return resp, resultAllowed
}

// lookup is what a check or warning that asks the API server found, and
// how long it took.
type lookup struct {
	vs   []engine.Violation
	took time.Duration
}

// goLookup runs f on its own goroutine; the channel holds its one answer,
// so the goroutine ends even when nobody waits for it (an early error).
func goLookup(f func() []engine.Violation) <-chan lookup {
	ch := make(chan lookup, 1)
	go func() {
		t := time.Now()
		vs := f()
		ch <- lookup{vs: vs, took: time.Since(t)}
	}()
	return ch
}
