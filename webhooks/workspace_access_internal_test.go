package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// reviewer answers SubjectAccessReviews with allow and records them.
type reviewer struct {
	client.Client
	allow   bool
	err     error
	reviews []authorizationv1.SubjectAccessReviewSpec
}

func (r *reviewer) Create(_ context.Context, obj client.Object, _ ...client.CreateOption) error {
	sar := obj.(*authorizationv1.SubjectAccessReview)
	r.reviews = append(r.reviews, sar.Spec)
	sar.Status.Allowed = r.allow
	return r.err
}

func wsRequest(t *testing.T, kind string, op admissionv1.Operation, obj, old string) admission.Request {
	t.Helper()
	raw := func(s string) runtime.RawExtension {
		if s == "" {
			return runtime.RawExtension{}
		}
		if !json.Valid([]byte(s)) {
			t.Fatalf("bad JSON %s", s)
		}
		return runtime.RawExtension{Raw: []byte(s)}
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Kind:      metav1.GroupVersionKind{Group: "workspace.jupyter.org", Version: "v1alpha1", Kind: kind},
		Operation: op, Namespace: "team-a",
		UserInfo: authenticationv1.UserInfo{Username: "bob", Groups: []string{"devs"}, Extra: map[string]authenticationv1.ExtraValue{"k": {"v"}}},
		Object:   raw(obj), OldObject: raw(old),
	}}
}

// Only the requests that choose what RBAC must allow pay for a review,
// and it asks exactly that of the requester.
func TestWorkspacePermissions(t *testing.T) {
	const (
		share      = `{"metadata":{"name":"s"},"spec":{"workspaceName":"nb","subjects":[{"kind":"User","name":"carol"}]}}`
		shareMore  = `{"metadata":{"name":"s"},"spec":{"workspaceName":"nb","subjects":[{"kind":"User","name":"dave"}]}}`
		shareLabel = `{"metadata":{"name":"s","labels":{"a":"b"}},"spec":{"workspaceName":"nb","subjects":[{"kind":"User","name":"carol"}]}}`
		shareGone  = `{"metadata":{"name":"s","deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{"workspaceName":"nb","subjects":[]}}`
		ws         = `{"metadata":{"name":"w"},"spec":{"executionProfileRef":"reader"}}`
		wsStopped  = `{"metadata":{"name":"w"},"spec":{"executionProfileRef":"reader","desiredStatus":"Stopped"}}`
		wsOther    = `{"metadata":{"name":"w"},"spec":{"executionProfileRef":"admin"}}`
		wsNone     = `{"metadata":{"name":"w"},"spec":{}}`
	)
	share_ := authorizationv1.ResourceAttributes{Namespace: "team-a", Verb: "share", Group: "workspace.jupyter.org", Resource: "workspaces", Name: "nb"}
	use := func(name string) authorizationv1.ResourceAttributes {
		return authorizationv1.ResourceAttributes{Namespace: "team-a", Verb: "use", Group: "workspace.jupyter.org", Resource: "workspaceexecutionprofiles", Name: name}
	}
	for _, tc := range []struct {
		name     string
		req      admission.Request
		want     map[string]any
		reviewed *authorizationv1.ResourceAttributes
	}{
		{"share create", wsRequest(t, "WorkspaceShare", admissionv1.Create, share, ""), map[string]any{"share": true}, &share_},
		{"share subjects changed", wsRequest(t, "WorkspaceShare", admissionv1.Update, shareMore, share), map[string]any{"share": true}, &share_},
		{"share labels changed", wsRequest(t, "WorkspaceShare", admissionv1.Update, shareLabel, share), nil, nil},
		{"share being deleted", wsRequest(t, "WorkspaceShare", admissionv1.Update, shareGone, share), nil, nil},
		{"share delete", wsRequest(t, "WorkspaceShare", admissionv1.Delete, "", share), nil, nil},
		{"workspace create with profile", wsRequest(t, "Workspace", admissionv1.Create, ws, ""), map[string]any{"useProfile": true}, ptr(use("reader"))},
		{"workspace create without", wsRequest(t, "Workspace", admissionv1.Create, wsNone, ""), nil, nil},
		{"profile unchanged", wsRequest(t, "Workspace", admissionv1.Update, wsStopped, ws), nil, nil},
		{"profile changed", wsRequest(t, "Workspace", admissionv1.Update, wsOther, ws), map[string]any{"useProfile": true}, ptr(use("admin"))},
		{"profile added", wsRequest(t, "Workspace", admissionv1.Update, ws, wsNone), map[string]any{"useProfile": true}, ptr(use("reader"))},
		{"profile dropped", wsRequest(t, "Workspace", admissionv1.Update, wsNone, ws), nil, nil},
		{"workspace delete", wsRequest(t, "Workspace", admissionv1.Delete, "", ws), nil, nil},
		{"template", wsRequest(t, "WorkspaceTemplate", admissionv1.Create, ws, ""), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &reviewer{allow: true}
			got, err := workspacePermissions(r)(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) || (tc.want != nil && got[firstKey(tc.want)] != tc.want[firstKey(tc.want)]) {
				t.Errorf("permissions = %v, want %v", got, tc.want)
			}
			if tc.reviewed == nil {
				if len(r.reviews) != 0 {
					t.Errorf("reviews = %+v, want none", r.reviews)
				}
				return
			}
			if len(r.reviews) != 1 {
				t.Fatalf("reviews = %+v, want one", r.reviews)
			}
			s := r.reviews[0]
			if *s.ResourceAttributes != *tc.reviewed || s.User != "bob" || len(s.Groups) != 1 || s.Extra["k"][0] != "v" {
				t.Errorf("review = %+v %+v, want bob's (groups, extra) of %+v", s, *s.ResourceAttributes, *tc.reviewed)
			}
		})
	}
	r := &reviewer{allow: false}
	if got, _ := workspacePermissions(r)(context.Background(), wsRequest(t, "Workspace", admissionv1.Create, ws, "")); got["useProfile"] != false {
		t.Errorf("a denied review: permissions = %v, want useProfile false", got)
	}
	r = &reviewer{err: errors.New("connection refused")}
	_, err := workspacePermissions(r)(context.Background(), wsRequest(t, "WorkspaceShare", admissionv1.Create, share, ""))
	if want := `could not check that user "bob" may share workspaces "nb" (connection refused); retry`; err == nil || err.Error() != want {
		t.Errorf("a failed review: error %v, want %q", err, want)
	}
}

func firstKey(m map[string]any) string {
	for k := range m {
		return k
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
