package policycheck_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/policycheck"
)

var k8s client.WithWatch

func TestMain(m *testing.M) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		println("KUBEBUILDER_ASSETS is not set: KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/policycheck/")
		os.Exit(1)
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		panic(err)
	}
	if k8s, err = client.NewWithWatch(cfg, client.Options{Scheme: manager.Scheme()}); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// failingLists is the API server's client whose first n Lists fail.
func failingLists(n int64, calls *atomic.Int64) client.Client {
	return interceptor.NewClient(k8s, interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if calls.Add(1) <= n {
				return errors.New("injected: the API server is unavailable")
			}
			return c.List(ctx, list, opts...)
		},
	})
}

func started(t *testing.T, rq *policycheck.Requeuer) workqueue.TypedRateLimitingInterface[reconcile.Request] {
	t.Helper()
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	t.Cleanup(q.ShutDown)
	if err := rq.Source().Start(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	return q
}

func drain(q workqueue.TypedRateLimitingInterface[reconcile.Request]) []string {
	var out []string
	for q.Len() > 0 {
		item, _ := q.Get()
		out = append(out, item.String())
		q.Done(item)
	}
	slices.Sort(out)
	return out
}

// A List that fails is retried until it works, and every object is
// queued: the Run controller used to drop the error, leaving Runs decided
// by the old policies.
func TestPoliciesChangedRetriesAFailedList(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "requeue-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, name := range []string{"a", "b", "c"} {
		r := run(t, "${P}")
		r.Namespace, r.Name, r.Generation = ns.Name, name, 0
		if err := k8s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		want = append(want, ns.Name+"/"+name)
	}
	var calls atomic.Int64
	rq := &policycheck.Requeuer{Reader: failingLists(2, &calls), List: &runsv1.RunList{}, RetryMin: time.Millisecond}
	q := started(t, rq)
	if err := rq.PoliciesChanged(ctx); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("List called %d times, want 3 (two failures, then success)", calls.Load())
	}
	var got []string
	for _, k := range drain(q) {
		if filepath.Dir(k) == ns.Name {
			got = append(got, k)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v", got, want)
	}
}

// When the List never works, the error comes back once ctx ends.
func TestPoliciesChangedReturnsTheListError(t *testing.T) {
	var calls atomic.Int64
	rq := &policycheck.Requeuer{Reader: failingLists(1<<40, &calls), List: &runsv1.RunList{}}
	q := started(t, rq)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := rq.PoliciesChanged(ctx)
	if err == nil || !errors.Is(err, context.Canceled) || calls.Load() != 1 {
		t.Fatalf("err = %v after %d Lists, want the List error and context.Canceled after 1", err, calls.Load())
	}
	if err.Error() != "injected: the API server is unavailable\ncontext canceled" {
		t.Errorf("err = %q", err)
	}
	if q.Len() != 0 {
		t.Errorf("queued %d", q.Len())
	}
}

// Before the controller starts (a replica that does not lead) there is
// no queue: nothing is listed.
func TestPoliciesChangedWithoutController(t *testing.T) {
	var calls atomic.Int64
	rq := &policycheck.Requeuer{Reader: failingLists(0, &calls), List: &runsv1.RunList{}}
	if err := rq.PoliciesChanged(context.Background()); err != nil || calls.Load() != 0 {
		t.Errorf("err = %v, %d Lists", err, calls.Load())
	}
}
