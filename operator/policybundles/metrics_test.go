package policybundles

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestExportedDeletesOldSeries(t *testing.T) {
	var e exported
	e.set(map[string]string{"t-a": "r1", "t-b": "r1"}, "e1")
	e.set(map[string]string{"t-a": "r2"}, "e2")
	if got := testutil.ToFloat64(bundleInfo.WithLabelValues("t-a", "r2")); got != 1 {
		t.Errorf("t-a r2 = %v", got)
	}
	for _, old := range [][]string{{"t-a", "r1"}, {"t-b", "r1"}} {
		if bundleInfo.DeleteLabelValues(old...) {
			t.Errorf("series %v lingers", old)
		}
	}
	if engineRevision.DeleteLabelValues("e1") || testutil.ToFloat64(engineRevision.WithLabelValues("e2")) != 1 {
		t.Error("engine revision series not replaced")
	}
	bundleInfo.DeleteLabelValues("t-a", "r2")
	engineRevision.DeleteLabelValues("e2")
}
