package webhooks

import (
	"context"
	"fmt"
	"reflect"

	admissionv1 "k8s.io/api/admission/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// Who may share a Workspace and who may run one as an execution profile is
// RBAC's answer, but the rule that asks for it is Rego's
// (policies/bundle/workspaces share.rego, profile.rego), so admins can
// change it: the webhook asks the API server and hands the answers to the
// policies as input.related.permissions:
//
//	share      may the user "share" the Workspace a WorkspaceShare names
//	useProfile may the user "use" the WorkspaceExecutionProfile a Workspace names
//
// Only requests that choose those pay for a review: a CREATE, or an UPDATE
// that changes a share's spec or a Workspace's executionProfileRef. Status
// and metadata writes (the controller's, the garbage collector's) do not,
// and there the key is absent, which the policies read as "not checked".

// workspacePermissions returns input.related.permissions for req, nil
// when it needs none. A review that fails is an error: the handler
// refuses the request, as either answer could be wrong.
func workspacePermissions(c client.Client) func(context.Context, admission.Request) (map[string]any, error) {
	return func(ctx context.Context, req admission.Request) (map[string]any, error) {
		obj, old, ok := chosen(req)
		if !ok {
			return nil, nil
		}
		var key, name string
		attrs := authorizationv1.ResourceAttributes{Namespace: req.Namespace, Group: wsv1.GroupVersion.Group}
		switch req.Kind.Kind {
		case "WorkspaceShare":
			if req.Operation == admissionv1.Update && reflect.DeepEqual(obj["spec"], old["spec"]) {
				return nil, nil
			}
			name, _, _ = unstructured.NestedString(obj, "spec", "workspaceName")
			key, attrs.Verb, attrs.Resource = "share", wsv1.VerbShare, "workspaces"
		case "Workspace":
			name, _, _ = unstructured.NestedString(obj, "spec", "executionProfileRef")
			if was, _, _ := unstructured.NestedString(old, "spec", "executionProfileRef"); req.Operation == admissionv1.Update && was == name {
				return nil, nil
			}
			key, attrs.Verb, attrs.Resource = "useProfile", wsv1.VerbUse, "workspaceexecutionprofiles"
		default:
			return nil, nil
		}
		if name == "" {
			return nil, nil
		}
		attrs.Name = name
		allowed, err := userMay(ctx, c, req, attrs)
		if err != nil {
			return nil, fmt.Errorf("could not check that %s may %s %s %q (%w); retry", subject(req), attrs.Verb, attrs.Resource, name, err)
		}
		return map[string]any{key: allowed}, nil
	}
}

// chosen decodes the object of a CREATE or UPDATE (and the stored one of
// an UPDATE); ok is false for other operations and for an object being
// deleted, whose writes choose nothing.
func chosen(req admission.Request) (obj, old map[string]any, ok bool) {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return nil, nil, false
	}
	obj, err := objectOf(req.Object)
	if err != nil || obj == nil {
		return nil, nil, false
	}
	if _, deleting, _ := unstructured.NestedFieldNoCopy(obj, "metadata", "deletionTimestamp"); deleting {
		return nil, nil, false
	}
	if req.Operation == admissionv1.Update {
		if old, err = objectOf(req.OldObject); err != nil {
			return nil, nil, false
		}
	}
	return obj, old, true
}
