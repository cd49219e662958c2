package policybundles

import (
	"context"
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
)

// A reconcile cut short by the manager stopping is no "Reconciler error"
// (an error line and a stack trace in the log of a clean Ctrl-C); any
// other failure still is.
func TestReconcileCutShortByShutdownIsNoError(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := policiesv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	apiDown := errors.New("connection refused")
	c := fake.NewClientBuilder().WithScheme(scheme).WithInterceptorFuncs(interceptor.Funcs{
		List: func(ctx context.Context, _ client.WithWatch, _ client.ObjectList, _ ...client.ListOption) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return apiDown
		},
	}).Build()
	r := &reconciler{Client: c}
	req := ctrl.Request{}
	req.Name = policiesv1.DefaultBundleName

	stopped, stop := context.WithCancel(context.Background())
	stop()
	if _, err := r.Reconcile(stopped, req); err != nil {
		t.Errorf("Reconcile while the manager stops = %v, want nil", err)
	}
	if _, err := r.Reconcile(context.Background(), req); !errors.Is(err, apiDown) {
		t.Errorf("Reconcile with the API server down = %v, want %v", err, apiDown)
	}
}
