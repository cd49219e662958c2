package webhooks

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/weir-dev/weir/policies/engine"
)

// Related resolves the objects a request refers to, from the manager's
// cache. Today that is the request's Namespace (metadata only: name,
// labels, annotations), so policies can key rules on namespace labels.
// Secrets are deliberately not resolved: Weir never reads their values.
type Related struct {
	Reader client.Reader
}

// Resolve returns input.related for req; a lookup that fails leaves the
// entry out rather than failing the request, and policies must treat a
// missing entry as unknown.
func (r Related) Resolve(ctx context.Context, req admission.Request) (map[string]any, error) {
	out := map[string]any{}
	if r.Reader == nil || req.Namespace == "" {
		return out, nil
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Reader.Get(ctx, client.ObjectKey{Name: req.Namespace}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return out, nil
		}
		return out, fmt.Errorf("namespace %s: %w", req.Namespace, err)
	}
	out["namespace"] = map[string]any{"metadata": map[string]any{
		"name":        ns.Name,
		"labels":      orEmpty(ns.Labels),
		"annotations": orEmpty(ns.Annotations),
	}}
	return out, nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
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
