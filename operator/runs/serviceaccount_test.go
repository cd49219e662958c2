package runs

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// countingReader counts the reads that go past the cache.
type countingReader struct {
	client.Reader
	gets int
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.gets++
	return c.Reader.Get(ctx, key, obj, opts...)
}

// An ingest account that is not Weir's (so not in the cache) is read past
// the cache once per recheck interval, not at every reconcile.
func TestForeignIngestAccountReadOnce(t *testing.T) {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	foreign := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "weir-ingest"}}
	api := fake.NewClientBuilder().WithScheme(s).WithObjects(foreign).Build()
	cache := fake.NewClientBuilder().WithScheme(s).Build() // holds Weir's accounts only: none
	reader := &countingReader{Reader: api}
	r := &Reconciler{Client: cache, APIReader: reader, Options: Options{IngestServiceAccount: "weir-ingest"}}
	for range 3 {
		if err := r.ensureIngestServiceAccount(context.Background(), benchRun("")); err != nil {
			t.Fatal(err)
		}
	}
	if reader.gets != 1 {
		t.Errorf("read the account past the cache %d times in 3 reconciles, want 1", reader.gets)
	}
	if err := cache.Get(context.Background(), client.ObjectKeyFromObject(foreign), &corev1.ServiceAccount{}); err == nil {
		t.Error("an existing account was created again")
	}
}
