package host

import (
	"errors"
	"strings"
	"testing"

	"github.com/weir-dev/weir/plugins/model"
)

// The description lands in SourcePlugin status; a field over the CRD's
// bound would make the whole status write fail, so Load refuses it first.
func TestDescriptionVersionBound(t *testing.T) {
	m := &Module{digest: strings.Repeat("a", 64)}
	d := model.Description{ABI: ABIVersion, ID: "demo", ConfigSchema: map[string]any{}}
	for _, tc := range []struct {
		version string
		ok      bool
	}{{"1.0.0", true}, {strings.Repeat("v", maxVersionLen), true}, {strings.Repeat("v", maxVersionLen+1), false}, {"", false}} {
		d.Version = tc.version
		err := m.checkDescription(d)
		var pe *ProtocolError
		if tc.ok != (err == nil) || (!tc.ok && !errors.As(err, &pe)) {
			t.Errorf("version of %d bytes: %v", len(tc.version), err)
		}
	}
}
