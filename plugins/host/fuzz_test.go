package host

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"testing"
)

// FuzzAddressCheck: whatever form an address takes (mapped, NAT64,
// zoned), the check never lets through loopback, link-local, metadata,
// unspecified, multicast or local-use NAT64 addresses under the zero
// policy, and judges a mapped address as its IPv4 address.
func FuzzAddressCheck(f *testing.F) {
	for _, s := range []string{"10.0.0.5", "127.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.169.254", "64:ff9b::a9fe:a9fe",
		"64:ff9b:1::1", "64:ff9b::a00:5", "168.63.129.16", "fe80::1%eth0", "0.0.0.0", "::", "224.0.0.1", "93.184.216.34", "fd00:ec2::254"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, named bool) {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return
		}
		var p NetworkPolicy
		why := p.check(ip, named)
		if why == "" {
			v := ip.Unmap().WithZone("")
			if nat64.Contains(v) {
				b := v.As16()
				v = netip.AddrFrom4([4]byte(b[12:]))
			}
			_, meta := metadataAddrs[v]
			switch {
			case meta, v.IsLinkLocalUnicast(), v.IsUnspecified(), v.IsMulticast(), localNAT64.Contains(ip.Unmap()),
				v.IsLoopback() && !named, v == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
				t.Fatalf("check(%s, named %v) allowed %s", ip, named, v)
			}
		}
		if ip.Is4() {
			if mapped := netip.AddrFrom16(ip.As16()); (p.check(mapped, named) == "") != (why == "") {
				t.Fatalf("check(%s) and check(%s) disagree", ip, mapped)
			}
		}
	})
}

// FuzzAllowlist: the endpoints a config names allow exactly what they
// say: a host allowed by the list is one some endpoint names, with its
// port or any port.
func FuzzAllowlist(f *testing.F) {
	for _, s := range []string{"db", "db:5432", "postgres://u:pw@db:5432/x", "a,b:1, c", "[::1]:5432", "DB.example.com.", "http://[fe80::1%25eth0]:80/", ""} {
		f.Add(s, "db", uint16(5432))
	}
	schema := map[string]any{"properties": map[string]any{
		"host":  map[string]any{"x-weir-endpoint": true},
		"hosts": map[string]any{"items": map[string]any{"x-weir-endpoint": true}},
	}}
	f.Fuzz(func(t *testing.T, value, host string, port uint16) {
		config, _ := json.Marshal(map[string]any{"host": value, "hosts": []any{value, host + ":" + strconv.Itoa(int(port))}})
		list := endpointsOf(schema, config)
		for _, e := range list {
			if e.host != normalHost(e.host) || e.host == "" {
				t.Fatalf("endpoint %q is not normalised", e.host)
			}
			if !list.allows(e.host, e.port) {
				t.Fatalf("%v does not allow its own %v", list, e)
			}
		}
		if list.allows(host, port) {
			h := normalHost(host)
			found := false
			for _, e := range list {
				found = found || (e.host == h && (e.port == 0 || e.port == port))
			}
			if !found {
				t.Fatalf("%v allows %s:%d, which none of it names", list, host, port)
			}
		}
		_ = list.String()
	})
}

// FuzzDecodeBatch: a batch the host accepts has exactly one kind per
// item and survives a JSON round trip; nothing panics.
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, `[{}]`, `[{"asset":{"mrn":"mrn://table/pg/x","name":"x","type":"Table","providers":["PostgreSQL"]}}]`,
		`[{"lineage":{"source":"a","target":"b","type":"FOREIGN_KEY"}},{"statistic":{"asset_mrn":"a","metric_name":"rows","value":1}}]`,
		`[{"asset":{},"lineage":{}}]`, `[{"documentation":{"mrn":"a","content":"x"}}]`, `{"asset":{}}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := decodeBatch(b)
		if err != nil {
			return
		}
		for i, it := range items {
			n := 0
			for _, set := range []bool{it.Asset != nil, it.Lineage != nil, it.Documentation != nil, it.Statistic != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("item %d of an accepted batch has %d kinds", i, n)
			}
		}
		again, err := json.Marshal(items)
		if err != nil {
			t.Fatalf("re-encoding an accepted batch: %v", err)
		}
		if _, err := decodeBatch(again); err != nil {
			t.Fatalf("an accepted batch, re-encoded, is refused: %v", err)
		}
	})
}
