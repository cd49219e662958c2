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
}

var _ admission.Handler = (*PolicyHandler)(nil)

// Handle implements admission.Handler.
func (h *PolicyHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	start := time.Now()
	kind := req.Kind.Kind
	resp, result := h.handle(ctx, req)
	requestDuration.WithLabelValues(h.Webhook, kind, string(req.Operation)).Observe(time.Since(start).Seconds())
	decisions.WithLabelValues(h.Webhook, kind, result).Inc()
	return resp
}

func (h *PolicyHandler) handle(ctx context.Context, req admission.Request) (admission.Response, string) {
	kind := req.Kind.Kind
	if finalizing(req) {
		return admission.Allowed(""), resultAllowed
	}
	if h.Check != nil && !h.Mutating {
		if vs := h.Check(ctx, req); len(vs) > 0 {
			return denied(kind, vs), resultDenied
		}
	}
	in, err := inputOf(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err), resultError
	}
	if in.Related, err = h.Related.Resolve(ctx, req); err != nil {
		// Without its namespace a decision could be wrong either way;
		// refusing is the safe side, and the message says why.
		return admission.Errored(http.StatusServiceUnavailable, fmt.Errorf("policy input: %w", err)), resultError
	}
	if h.Permissions != nil && !h.Mutating {
		p, err := h.Permissions(ctx, req)
		if err != nil {
			return admission.Errored(http.StatusServiceUnavailable, fmt.Errorf("policy input: %w", err)), resultError
		}
		if p != nil {
			in.Related["permissions"] = p
		}
	}
	t := time.Now()
	d, err := h.Engine.Decide(ctx, in)
	evalDuration.WithLabelValues(kind).Observe(time.Since(t).Seconds())
	if err != nil {
		h.Log.Error(err, "policy decision failed", "kind", kind, "namespace", req.Namespace, "name", in.Name)
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("policy decision: %w", err)), resultError
	}
	if len(d.DryRun) > 0 {
		h.Log.Info("dry-run policies would have acted", "kind", kind, "namespace", req.Namespace, "name", in.Name,
			"revision", d.Revision, "findings", warnings(d.DryRun))
		decisions.WithLabelValues(h.Webhook, kind, resultDryRun).Add(float64(len(d.DryRun)))
	}
	if h.Mutating {
		if len(d.Denials) > 0 && h.Malformed != nil && h.Malformed(req) != nil {
			resp := denied(kind, d.Denials)
			resp.Warnings = warnings(d.Warnings)
			return resp, resultDenied
		}
		if len(d.Patch) == 0 || len(req.Object.Raw) == 0 {
			return admission.Allowed(""), resultAllowed
		}
		resp, changed := patched(req.Object.Raw, d.Patch)
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
		return resp, resultDenied
	}
	if h.Warn != nil {
		d.Warnings = append(d.Warnings, h.Warn(ctx, req)...)
	}
	resp := admission.Allowed("")
	if resp.Warnings = warnings(d.Warnings); len(resp.Warnings) > 0 {
		return resp, resultWarned
	}
	return resp, resultAllowed
}
