package policybundles

import "testing"

// Every PolicyBundle reconcile is bounded, on every replica.
func TestControllerOptionsBoundReconciles(t *testing.T) {
	o := controllerOptions()
	if o.ReconciliationTimeout != ReconcileTimeout || ReconcileTimeout <= 0 || o.NeedLeaderElection == nil || *o.NeedLeaderElection {
		t.Fatalf("options = %+v, want ReconciliationTimeout %v on every replica", o, ReconcileTimeout)
	}
}
