package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/weir-dev/weir/policies/engine"
)

// Speed is measured here, never asserted: `make bench` reports these
// figures (bin/bench-go.txt).
//
// BenchmarkAdmissionHandler is the webhook handler's throughput: the
// controller-runtime admission.Webhook wrapping a PolicyHandler with the
// default bundle, served by net/http/httptest over plain HTTP on loopback
// (the TLS of the real server is left out), receiving the AdmissionReview
// v1 JSON body the API server sends for a CREATE of a Run, from
// GOMAXPROCS client goroutines (b.RunParallel). Client and server share
// the machine's cores, as the API server and Weir do on a small node.
// Related has no Reader, so no namespace lookup: the cache read it does
// in a cluster is a map lookup.
//
//	validate/allowed:  a scheduled PostgreSQL Run, password by secretKeyRef
//	validate/denied:   the same with a literal password (runs.literal-secret)
//	mutate/patched:    a one-off Run without resources, which gets the
//	                   default requests as a JSON patch
//	mutate/unchanged:  the allowed Run, which has resources (no patch)
//
// req/s is requests per second of wall time over all goroutines; the
// -N suffix of the name is GOMAXPROCS (2 on the reference machine).
func BenchmarkAdmissionHandler(b *testing.B) {
	eng := engine.New()
	if _, err := eng.Load(context.Background(), engine.DefaultBundle()); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		mutating bool
		spec     string
		allowed  bool
		patched  bool
	}{
		{"validate/allowed", false, benchRunSpec, true, false},
		{"validate/denied", false, benchRunLiteral, false, false},
		{"mutate/patched", true, benchRunNoResources, true, true},
		{"mutate/unchanged", true, benchRunSpec, true, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			name, path := NameValidateRuns, PathValidateRuns
			if c.mutating {
				name, path = NameMutateRuns, PathMutateRuns
			}
			mux := http.NewServeMux()
			mux.Handle(path, &webhook.Admission{
				Handler:        &PolicyHandler{Engine: eng, Related: Related{}, Webhook: name, Mutating: c.mutating, Log: logr.Discard()},
				RecoverPanic:   ptrTrue(),
				LogConstructor: func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() },
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			// One kept-alive connection per client goroutine, as the API
			// server keeps them to a webhook.
			tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			url := srv.URL + path
			body := benchReviewBody(b, c.spec)

			// The setup must answer as the case says, or the figures mean
			// nothing; checked once, outside the measurement.
			got := benchPost(b, client, url, body)
			if got.Response == nil || got.Response.Allowed != c.allowed || (len(got.Response.Patch) > 0) != c.patched {
				b.Fatalf("%s: response %+v, want allowed=%v patched=%v", c.name, got.Response, c.allowed, c.patched)
			}

			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(url, "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %s", resp.Status)
						return
					}
				}
			})
			if s := b.Elapsed().Seconds(); s > 0 {
				b.ReportMetric(float64(b.N)/s, "req/s")
			}
		})
	}
}

// benchRunSpec is a scheduled PostgreSQL Run, password from a Secret
// (config/samples/postgres-with-secret.yaml): allowed, no warning, no patch.
const benchRunSpec = `{
	"schedule": "30 2 * * *",
	"timeZone": "Europe/London",
	"activeDeadlineSeconds": 3600,
	"concurrencyPolicy": "Forbid",
	"backoffLimit": 0,
	"teardownOnDelete": true,
	"env": [{"name": "PG_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "warehouse-db", "key": "password"}}}],
	"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
	"runs": [
		{"postgresql": {"host": "warehouse.db.internal", "port": 5432, "database": "analytics", "user": "marmot_reader", "password": "${PG_PASSWORD}"}}
	]
}`

// benchRunLiteral holds its password: denied.
const benchRunLiteral = `{
	"schedule": "30 2 * * *",
	"activeDeadlineSeconds": 3600,
	"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
	"runs": [
		{"postgresql": {"host": "warehouse.db.internal", "port": 5432, "database": "analytics", "user": "marmot_reader", "password": "hunter2"}}
	]
}`

// benchRunNoResources sets no resources: the mutating webhook adds the
// default requests.
const benchRunNoResources = `{
	"activeDeadlineSeconds": 3600,
	"env": [{"name": "PG_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "warehouse-db", "key": "password"}}}],
	"runs": [
		{"postgresql": {"host": "warehouse.db.internal", "port": 5432, "database": "analytics", "user": "marmot_reader", "password": "${PG_PASSWORD}"}}
	]
}`

// benchReviewBody is the AdmissionReview v1 the API server posts for
// `kubectl apply` creating a Run with the given spec: the object as it
// would be stored (uid, creationTimestamp, managedFields), the options,
// the user.
func benchReviewBody(b testing.TB, spec string) []byte {
	b.Helper()
	obj := map[string]any{
		"apiVersion": "runs.marmotdata.io/v1alpha1",
		"kind":       "Run",
		"metadata": map[string]any{
			"name":              "warehouse",
			"namespace":         "analytics",
			"uid":               "5f0c7e0a-8a43-4f0e-9d2b-1c6e3f1b2a77",
			"generation":        1,
			"creationTimestamp": "2025-01-01T00:00:00Z",
			"annotations": map[string]any{
				"kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"runs.marmotdata.io/v1alpha1\",\"kind\":\"Run\",\"metadata\":{\"annotations\":{},\"name\":\"warehouse\",\"namespace\":\"analytics\"},\"spec\":" + compactJSON(b, spec) + "}\n",
			},
			"managedFields": []any{map[string]any{
				"manager": "kubectl-client-side-apply", "operation": "Update",
				"apiVersion": "runs.marmotdata.io/v1alpha1", "time": "2025-01-01T00:00:00Z",
				"fieldsType": "FieldsV1", "fieldsV1": map[string]any{"f:spec": map[string]any{".": map[string]any{}}},
			}},
		},
		"spec": json.RawMessage(spec),
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		b.Fatal(err)
	}
	gvk := metav1.GroupVersionKind{Group: "runs.marmotdata.io", Version: "v1alpha1", Kind: "Run"}
	gvr := metav1.GroupVersionResource{Group: "runs.marmotdata.io", Version: "v1alpha1", Resource: "runs"}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:             types.UID("3b7c9f4e-2d1a-4c8b-9e6f-0a1b2c3d4e5f"),
			Kind:            gvk,
			Resource:        gvr,
			RequestKind:     &gvk,
			RequestResource: &gvr,
			Name:            "warehouse",
			Namespace:       "analytics",
			Operation:       admissionv1.Create,
			UserInfo:        authenticationv1.UserInfo{Username: "alice@example.com", Groups: []string{"data-engineering", "system:authenticated"}},
			Object:          k8sruntime.RawExtension{Raw: raw},
			DryRun:          new(bool),
			Options:         k8sruntime.RawExtension{Raw: []byte(`{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1","fieldManager":"kubectl-client-side-apply","fieldValidation":"Strict"}`)},
		},
	}
	out, err := json.Marshal(review)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func compactJSON(b testing.TB, s string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		b.Fatal(err)
	}
	return buf.String()
}

func benchPost(b *testing.B, c *http.Client, url string, body []byte) admissionv1.AdmissionReview {
	b.Helper()
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var r admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		b.Fatal(fmt.Errorf("%s: %w", resp.Status, err))
	}
	return r
}
