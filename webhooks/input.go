package webhooks

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/related"
	"github.com/weir-dev/weir/policies/engine"
)

// Related resolves input.related for a request from the manager's cache,
// with the same resolvers the reconcilers use (operator/related): the
// request's Namespace, a Workspace's WorkspaceTemplate and execution
// profile, a WorkspaceShare's Workspace. Secrets are deliberately never
// resolved: Weir never reads their values. The requester's permissions
// (input.related.permissions) are the handler's (PolicyHandler.Permissions):
// the reconcilers have no requester.
type Related struct {
	Reader client.Reader
	// Self is the identity Weir's manager runs as, given to the policies
	// of Workspace-group objects as related.weir.username ("" unknown).
	Self string
}

// Resolve returns input.related for req: of the object under review, or
// on DELETE of the stored one. A referenced object that does not exist is
// left out, and policies must treat a missing entry as unknown; a lookup
// that fails is an error.
func (r Related) Resolve(ctx context.Context, req admission.Request) (map[string]any, error) {
	raw := req.Object.Raw
	if len(raw) == 0 {
		raw = req.OldObject.Raw
	}
	obj := &unstructured.Unstructured{Object: map[string]any{}}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &obj.Object); err != nil {
			return map[string]any{}, fmt.Errorf("object: %w", err)
		}
	}
	obj.SetGroupVersionKind(schema.GroupVersionKind(req.Kind))
	if req.Namespace != "" {
		// The request's namespace is the one it is stored in, whatever
		// the manifest says.
		obj.SetNamespace(req.Namespace)
	}
	out, err := related.Default.Resolve(ctx, r.Reader, obj)
	if err == nil && r.Self != "" && req.Kind.Group == wsv1.GroupVersion.Group {
		out["weir"] = map[string]any{"username": r.Self}
	}
	return out, err
}

// inputOf is the engine's view of an admission request (docs/policies.md).
func inputOf(req admission.Request) (engine.Input, error) {
	in := engine.Input{
		Kind:      engine.GroupVersionKind{Group: req.Kind.Group, Version: req.Kind.Version, Kind: req.Kind.Kind},
		Operation: string(req.Operation),
		UserInfo: engine.UserInfo{
			Username: req.UserInfo.Username,
			UID:      req.UserInfo.UID,
			Groups:   req.UserInfo.Groups,
		},
		Namespace: req.Namespace,
		Name:      req.Name,
		DryRun:    req.DryRun != nil && *req.DryRun,
	}
	if len(req.UserInfo.Extra) > 0 {
		in.UserInfo.Extra = make(map[string][]string, len(req.UserInfo.Extra))
		for k, v := range req.UserInfo.Extra {
			in.UserInfo.Extra[k] = v
		}
	}
	var err error
	if in.Object, err = objectOf(req.Object); err != nil {
		return in, fmt.Errorf("object: %w", err)
	}
	if in.OldObject, err = objectOf(req.OldObject); err != nil {
		return in, fmt.Errorf("oldObject: %w", err)
	}
	if in.Name == "" && in.Object != nil {
		// generateName: the name is not known yet.
		if md, ok := in.Object["metadata"].(map[string]any); ok {
			in.Name, _ = md["name"].(string)
		}
	}
	return in, nil
}

func objectOf(raw runtime.RawExtension) (map[string]any, error) {
	if len(raw.Raw) == 0 {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw.Raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}
