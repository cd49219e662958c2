package runs

import "testing"

// Every Run reconcile is bounded, so a hung call frees its worker.
func TestControllerOptionsBoundReconciles(t *testing.T) {
	o := (&Reconciler{MaxConcurrentReconciles: 3}).controllerOptions()
	if o.ReconciliationTimeout != ReconcileTimeout || ReconcileTimeout <= 0 || o.MaxConcurrentReconciles != 3 {
		t.Fatalf("options = %+v, want %d workers and ReconciliationTimeout %v", o, 3, ReconcileTimeout)
	}
}
