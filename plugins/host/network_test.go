package host

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	for _, tt := range []struct {
		ip     string
		policy NetworkPolicy
		named  bool   // the config names a loopback host
		want   string // "" = allowed
	}{
		{"10.0.0.5", NetworkPolicy{}, false, ""},
		{"192.168.1.1", NetworkPolicy{}, false, ""},
		{"93.184.216.34", NetworkPolicy{}, false, ""},
		{"2001:db8::1", NetworkPolicy{}, false, ""},
		{"127.0.0.1", NetworkPolicy{}, false, "loopback address behind a name other than localhost; naming 127.0.0.1, ::1 or localhost in the config allows it, and sandbox.allowLoopback: true in pipeline.yaml allows it"},
		{"127.1.2.3", NetworkPolicy{}, false, "loopback"},
		{"::1", NetworkPolicy{}, false, "loopback"},
		{"::ffff:127.0.0.1", NetworkPolicy{}, false, "loopback"},
		{"127.0.0.1", NetworkPolicy{AllowLoopback: true}, false, ""},
		// Named by the config: the pipeline author's choice.
		{"127.0.0.1", NetworkPolicy{}, true, ""},
		{"::1", NetworkPolicy{}, true, ""},
		{"0.0.0.0", NetworkPolicy{}, true, "unspecified address, which reaches this host; sandbox.allowLoopback: true in pipeline.yaml allows it, which only the operator's configuration sets, never a Run"},
		{"::", NetworkPolicy{}, false, "unspecified"},
		{"169.254.1.1", NetworkPolicy{}, true, "169.254.1.1 is a link-local address; sandbox.allowLinkLocal: true in pipeline.yaml allows it, which only the operator's configuration sets, never a Run"},
		{"fe80::1", NetworkPolicy{}, false, "link-local"},
		{"169.254.1.1", NetworkPolicy{AllowLinkLocal: true}, false, ""},
		{"169.254.169.254", NetworkPolicy{AllowLinkLocal: true, AllowLoopback: true}, true, "cloud metadata address (AWS, GCP, Azure, OpenStack and others), which hands out the node's credentials; sandbox.allowMetadata: true in pipeline.yaml allows it"},
		{"169.254.169.254", NetworkPolicy{AllowMetadata: true}, false, ""},
		{"::ffff:169.254.169.254", NetworkPolicy{}, false, "cloud metadata"},
		{"64:ff9b::a9fe:a9fe", NetworkPolicy{}, false, "cloud metadata"}, // NAT64 of 169.254.169.254
		{"fd00:ec2::254", NetworkPolicy{}, false, "cloud metadata"},
		{"100.100.100.200", NetworkPolicy{}, false, "cloud metadata"},
		{"168.63.129.16", NetworkPolicy{AllowLinkLocal: true, AllowLoopback: true}, false, "cloud metadata address (Azure WireServer), which hands out the node's credentials; sandbox.allowMetadata: true in pipeline.yaml allows it"},
		{"::ffff:168.63.129.16", NetworkPolicy{}, false, "Azure WireServer"},
		{"64:ff9b::a83f:8110", NetworkPolicy{}, false, "Azure WireServer"}, // NAT64 of 168.63.129.16
		{"168.63.129.16", NetworkPolicy{AllowMetadata: true}, false, ""},
		{"64:ff9b:1::a9fe:a9fe", NetworkPolicy{AllowLinkLocal: true, AllowLoopback: true, AllowMetadata: true}, false,
			"in the local-use NAT64 prefix 64:ff9b:1::/48, which may reach any IPv4 address of the site's network; no setting allows it"},
		{"64:ff9b:1:ffff::1", NetworkPolicy{AllowMetadata: true}, false, "local-use NAT64"},
		{"64:ff9b::a00:5", NetworkPolicy{AllowLinkLocal: true, AllowLoopback: true, AllowMetadata: true}, false,
			"64:ff9b::a00:5 is the NAT64 form of the private address 10.0.0.5"},
		{"64:ff9b::c0a8:101", NetworkPolicy{}, false, "private address 192.168.1.1"},
		{"64:ff9b::5db8:d822", NetworkPolicy{}, false, ""}, // NAT64 of the public 93.184.216.34
		{"224.0.0.1", NetworkPolicy{AllowLoopback: true, AllowLinkLocal: true}, true, "multicast or broadcast address, which no setting allows"},
		{"255.255.255.255", NetworkPolicy{}, false, "broadcast"},
	} {
		got := tt.policy.check(netip.MustParseAddr(tt.ip), tt.named)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("check(%s, %+v, named %v) = %q; want %q", tt.ip, tt.policy, tt.named, got, tt.want)
		}
		if strings.Contains(got, "Allow") {
			t.Errorf("check(%s) = %q names a Go field, not the setting", tt.ip, got)
		}
	}
}

func TestNamesLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.9.9.9": true, "::1": true, "::ffff:127.0.0.1": true, "localhost": true,
		"0.0.0.0": false, "db.example.com": false, "localhost.example.com": false, "10.0.0.1": false,
	} {
		if got := namesLoopback(host); got != want {
			t.Errorf("namesLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestEndpointsOf(t *testing.T) {
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"host":  map[string]any{"type": "string", "x-weir-endpoint": true},
			"port":  map[string]any{"type": "integer"},
			"url":   map[string]any{"type": "string", "x-weir-endpoint": true},
			"hosts": map[string]any{"type": "array", "x-weir-endpoint": true},
			"note":  map[string]any{"type": "string"},
			"replicas": map[string]any{"type": "array", "items": map[string]any{
				"type": "object", "properties": map[string]any{"addr": map[string]any{"x-weir-endpoint": true}}}},
			"extra": map[string]any{"type": "object", "additionalProperties": map[string]any{"x-weir-endpoint": true}},
		},
	}
	config := `{
		"host": "DB.Example.com.", "port": 5432, "note": "evil.example.com",
		"url": "https://api.example.com:8443/v1?x=1",
		"hosts": ["a.example.com:1", "[2001:db8::1]:5432", "b.example.com, c.example.com:3"],
		"replicas": [{"addr": "10.0.0.7:5432"}, {"addr": "/var/run/postgresql"}],
		"extra": {"k": "e.example.com"}
	}`
	got := endpointsOf(schema, json.RawMessage(config))
	for _, tt := range []struct {
		host string
		port uint16
		want bool
	}{
		{"db.example.com", 5432, true},
		{"DB.EXAMPLE.COM.", 22, true}, // no port named: any
		{"api.example.com", 8443, true},
		{"api.example.com", 443, false},
		{"a.example.com", 1, true},
		{"2001:db8::1", 5432, true},
		{"[2001:0db8::1]", 5432, true},
		{"b.example.com", 9, true},
		{"c.example.com", 3, true},
		{"10.0.0.7", 5432, true},
		{"e.example.com", 80, true},
		{"evil.example.com", 443, false},
		{"example.com", 443, false},
		{"5432", 80, false},
	} {
		if ok := got.allows(tt.host, tt.port); ok != tt.want {
			t.Errorf("allows(%s, %d) = %v; want %v (allowlist %s)", tt.host, tt.port, ok, tt.want, got)
		}
	}
	if n := len(endpointsOf(schema, json.RawMessage(`{"note": "x"}`))); n != 0 {
		t.Errorf("unmarked fields gave %d endpoints", n)
	}
}
