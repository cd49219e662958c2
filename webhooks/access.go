package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// The webhook asks the API server whether a Run's author may use what the
// Run names (a SubjectAccessReview per Secret and ServiceAccount).
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// PolicyReferences is the policy id of referenceAccess's denials.
const PolicyReferences = "weir.references"

// access is the permission a Run's author needs on what a reference names:
// the Job reads each Secret and runs as the ServiceAccount on their behalf.
// Acting as a ServiceAccount is what RBAC's impersonate verb grants
// (kubectl --as=system:serviceaccount:<ns>:<name>); pod creation would let
// anyone use any ServiceAccount of the namespace, which is the hole.
var access = map[string]struct{ verb, resource string }{
	"Secret":         {"get", "secrets"},
	"ServiceAccount": {"impersonate", "serviceaccounts"},
}

// referenceAccess refuses a Run that names a Secret its author may not get,
// or a ServiceAccount they may not impersonate: Weir's Job would read or use
// it for them. It is checked on CREATE and on every UPDATE that changes the
// spec, references or not: whoever edits a Run that reads a Secret chooses
// where its value goes (the source's host). Writes that leave the spec
// alone (the controller's finalizer, labels) are not checked. A review
// that fails refuses the request: without an answer either way could be
// wrong, and the message says to retry.
//
// An allowed answer is reused for recentTTL (recent.go); a denial never is.
func referenceAccess(c client.Client) func(context.Context, admission.Request) []engine.Violation {
	allowedRecently := newRecent()
	return func(ctx context.Context, req admission.Request) []engine.Violation {
		run, changed := runChange(req)
		if !changed {
			return nil
		}
		var out []engine.Violation
		type object struct{ kind, name string }
		allowed := map[object]bool{} // by kind and name: one review each
		for _, ref := range run.References() {
			k := object{ref.Kind, ref.Name}
			ok, seen := allowed[k]
			if !seen {
				var err error
				key := accessKey(req, ref)
				if ok = allowedRecently.has(key); ok {
					allowed[k] = true
					continue
				}
				if ok, err = mayUse(ctx, c, req, ref); err != nil {
					out = append(out, engine.Violation{Field: ref.Field, Policy: PolicyReferences, Message: fmt.Sprintf(
						"could not check that you may use %s %q (%v); retry", ref.Kind, ref.Name, err)})
					continue
				}
				allowed[k] = ok
				if ok {
					allowedRecently.yes(key)
				}
			}
			if !ok {
				out = append(out, engine.Violation{Field: ref.Field, Policy: PolicyReferences, Message: denial(req, ref)})
			}
		}
		return out
	}
}

// runChange decodes the Run of a CREATE or UPDATE and says whether its spec
// is new: a CREATE, or an UPDATE whose spec differs from the old one. An
// object being deleted, or one that does not decode, counts as unchanged.
func runChange(req admission.Request) (*runsv1.Run, bool) {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return nil, false
	}
	run := &runsv1.Run{}
	if len(req.Object.Raw) == 0 || json.Unmarshal(req.Object.Raw, run) != nil || run.DeletionTimestamp != nil {
		return nil, false
	}
	run.Namespace = req.Namespace
	if req.Operation == admissionv1.Update && len(req.OldObject.Raw) > 0 {
		old := &runsv1.Run{}
		if json.Unmarshal(req.OldObject.Raw, old) == nil && equality.Semantic.DeepEqual(old.Spec, run.Spec) {
			return run, false
		}
	}
	return run, true
}

// accessKey is what a SubjectAccessReview for ref asks: the requesting
// user, uid, groups and extra attributes, and the permission.
func accessKey(req admission.Request, ref runsv1.Reference) string {
	u := req.UserInfo
	extra := make([]string, 0, len(u.Extra))
	for k, v := range u.Extra {
		extra = append(extra, strconv.Quote(k)+"="+strconv.Quote(strings.Join(v, "\x00")))
	}
	slices.Sort(extra)
	groups := slices.Clone(u.Groups)
	slices.Sort(groups)
	a := access[ref.Kind]
	return strings.Join([]string{strconv.Quote(u.Username), strconv.Quote(u.UID), strconv.Quote(strings.Join(groups, "\x00")),
		strings.Join(extra, ","), req.Namespace, a.verb, a.resource, ref.Name}, "|")
}

// mayUse asks the API server whether the requesting user holds the
// permission ref needs.
func mayUse(ctx context.Context, c client.Client, req admission.Request, ref runsv1.Reference) (bool, error) {
	a := access[ref.Kind]
	return userMay(ctx, c, req, authorizationv1.ResourceAttributes{
		Namespace: req.Namespace, Verb: a.verb, Resource: a.resource, Name: ref.Name,
	})
}

// userMay asks the API server (a SubjectAccessReview) whether the
// requesting user, with their groups and extra attributes, may do what
// attrs describes.
func userMay(ctx context.Context, c client.Client, req admission.Request, attrs authorizationv1.ResourceAttributes) (bool, error) {
	u := req.UserInfo
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups, ResourceAttributes: &attrs,
	}}
	if len(u.Extra) > 0 {
		sar.Spec.Extra = make(map[string]authorizationv1.ExtraValue, len(u.Extra))
		for k, v := range u.Extra {
			sar.Spec.Extra[k] = authorizationv1.ExtraValue(v)
		}
	}
	if err := c.Create(ctx, sar); err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}

// denial names the user, the object and the missing permission, and shows
// how an admin grants exactly that.
func denial(req admission.Request, ref runsv1.Reference) string {
	a := access[ref.Kind]
	what := map[string]string{"Secret": "would read it", "ServiceAccount": "would run as it"}[ref.Kind]
	return fmt.Sprintf("%s may not %s %s %q in namespace %s, and the Run's pods %s on their behalf; "+
		"name one you may %s, or ask an admin to grant it: kubectl create role use-%s --verb=%s --resource=%s --resource-name=%s -n %s "+
		"&& kubectl create rolebinding use-%s --role=use-%s %s -n %s",
		subject(req), a.verb, ref.Kind, ref.Name, req.Namespace, what,
		a.verb, ref.Name, a.verb, a.resource, ref.Name, req.Namespace,
		ref.Name, ref.Name, bindingSubject(req.UserInfo.Username), req.Namespace)
}

// bindingSubject is the kubectl create rolebinding flag for a user.
func bindingSubject(user string) string {
	if sa, ok := strings.CutPrefix(user, "system:serviceaccount:"); ok {
		return "--serviceaccount=" + sa
	}
	return "--user=" + user
}

func subject(req admission.Request) string {
	if req.UserInfo.Username == "" {
		return "the requesting user"
	}
	return fmt.Sprintf("user %q", req.UserInfo.Username)
}
