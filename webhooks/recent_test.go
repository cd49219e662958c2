package webhooks

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

func TestRecentForgets(t *testing.T) {
	now := time.Unix(0, 0)
	r := newRecent()
	r.now = func() time.Time { return now }
	if r.has("a") {
		t.Fatal("an empty recent has a")
	}
	r.yes("a")
	now = now.Add(recentTTL - time.Millisecond)
	if !r.has("a") {
		t.Fatal("a forgotten before recentTTL")
	}
	now = now.Add(2 * time.Millisecond)
	if r.has("a") {
		t.Fatal("a kept past recentTTL")
	}
	for i := range recentMax + 10 {
		r.yes(string(rune(i)))
	}
	if len(r.until) > recentMax {
		t.Fatalf("%d keys kept, want at most %d", len(r.until), recentMax)
	}
}

// runCreate is the CREATE of a Run in ns by user that reads Secret pg.
func runCreate(t *testing.T, user string) admission.Request {
	t.Helper()
	run := &runsv1.Run{
		TypeMeta:   metav1.TypeMeta{APIVersion: runsv1.GroupVersion.String(), Kind: "Run"},
		ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"},
		Spec: runsv1.RunSpec{Env: []corev1.EnvVar{{Name: "PG_PASSWORD", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "pg"}, Key: "password"}}}}},
	}
	raw, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: admissionv1.Create, Namespace: "ns", Name: "r",
		UserInfo: authenticationv1.UserInfo{Username: user}, Object: runtime.RawExtension{Raw: raw}}}
}

// An allowed SubjectAccessReview is asked once per recentTTL for the same
// user and permission; a denied one every time, and another user's anew.
func TestReferenceAccessReusesAllowed(t *testing.T) {
	reviews := map[string]int{}
	c := fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
		Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
			sar := obj.(*authorizationv1.SubjectAccessReview)
			reviews[sar.Spec.User]++
			sar.Status.Allowed = sar.Spec.User != "mallory"
			return nil
		},
	}).Build()
	check := referenceAccess(c)
	for range 3 {
		if vs := check(context.Background(), runCreate(t, "alice")); len(vs) != 0 {
			t.Fatalf("alice: %v, want allowed", vs)
		}
		if vs := check(context.Background(), runCreate(t, "mallory")); len(vs) != 1 {
			t.Fatalf("mallory: %v, want one denial", vs)
		}
	}
	if vs := check(context.Background(), runCreate(t, "bob")); len(vs) != 0 {
		t.Fatalf("bob: %v, want allowed", vs)
	}
	if reviews["alice"] != 1 || reviews["mallory"] != 3 || reviews["bob"] != 1 {
		t.Errorf("reviews by user %v, want alice 1 (reused), mallory 3 (denials never reused), bob 1", reviews)
	}
}

// A Secret found is not looked up again within recentTTL; a missing one is,
// and warned of each time.
func TestMissingReferencesReusesFound(t *testing.T) {
	gets := map[string]int{}
	c := fake.NewClientBuilder().WithObjects(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pg", Namespace: "ns"}}).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				gets[key.Namespace+"/"+key.Name]++
				return cl.Get(ctx, key, obj, opts...)
			},
		}).Build()
	warn := missingReferences(c)
	missing := runCreate(t, "alice")
	missing.Namespace = "other"
	for range 3 {
		if vs := warn(context.Background(), runCreate(t, "alice")); len(vs) != 0 {
			t.Fatalf("pg exists: %v", vs)
		}
		if vs := warn(context.Background(), missing); len(vs) != 1 {
			t.Fatalf("pg missing in other: %v, want one warning", vs)
		}
	}
	if gets["ns/pg"] != 1 || gets["other/pg"] != 3 {
		t.Errorf("gets %v, want ns/pg 1 (found, reused), other/pg 3 (missing, asked each time)", gets)
	}
}
