package sourceplugins

import (
	"testing"

	"github.com/weir-dev/weir/plugins/fetch"
)

// Both controllers' reconciles are bounded; a SourcePlugin's bound leaves
// room for a whole download.
func TestControllerOptionsBoundReconciles(t *testing.T) {
	if o := controllerOptions(); o.ReconciliationTimeout != ReconcileTimeout || ReconcileTimeout <= fetch.DefaultTimeout {
		t.Errorf("sourceplugin options = %+v, want ReconciliationTimeout %v, above the fetch timeout %v", o, ReconcileTimeout, fetch.DefaultTimeout)
	}
	if o := feedOptions(); o.ReconciliationTimeout <= 0 || o.NeedLeaderElection == nil || *o.NeedLeaderElection {
		t.Errorf("feed options = %+v, want a ReconciliationTimeout on every replica", o)
	}
}
