package manager

import (
	"strings"
	"testing"
)

// Plain-HTTP metrics have no authentication, so only a loopback address
// may serve them; secure serving is the default (the zero Config).
func TestMetricsOptions(t *testing.T) {
	for _, c := range []struct {
		addr     string
		insecure bool
		wantErr  bool
	}{
		{":8080", false, false},
		{":8080", true, true},
		{"0.0.0.0:8080", true, true},
		{"10.0.0.1:8080", true, true},
		{"127.0.0.1:8080", true, false},
		{"[::1]:8080", true, false},
		{"localhost:8080", true, false},
		{"0", true, false},
	} {
		o, err := metricsOptions(Config{MetricsBindAddress: c.addr, MetricsInsecure: c.insecure})
		if (err != nil) != c.wantErr {
			t.Errorf("%s insecure=%v: err = %v, want error %v", c.addr, c.insecure, err, c.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), "--metrics-secure=false") {
			t.Errorf("%s: error %q does not name the flag", c.addr, err)
		}
		if err == nil && o.SecureServing == c.insecure {
			t.Errorf("%s insecure=%v: SecureServing = %v", c.addr, c.insecure, o.SecureServing)
		}
		if err == nil && !c.insecure && o.FilterProvider == nil {
			t.Errorf("%s: secure metrics without the authn/authz filter", c.addr)
		}
	}
}
