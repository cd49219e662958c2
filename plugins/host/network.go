package host

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// NetworkPolicy is the operator's say on which addresses modules may
// reach, beyond the endpoints each config names. Private ranges (10/8,
// 192.168/16, ...) are allowed: that is where in-cluster databases live.
// A loopback address the config names itself (127.0.0.1, ::1,
// localhost) is the pipeline author's choice and allowed without it.
//
// `weir ingest` takes it from pipeline.yaml's sandbox key, which the
// operator writes from its own configuration (never from a Run); the
// refusal messages name those keys (Setting*).
type NetworkPolicy struct {
	// AllowLoopback allows 127.0.0.0/8 and ::1 behind names other than
	// localhost, and the unspecified addresses (0.0.0.0, ::), which also
	// reach this host.
	AllowLoopback bool
	// AllowLinkLocal allows 169.254.0.0/16 and fe80::/10, except cloud
	// metadata addresses.
	AllowLinkLocal bool
	// AllowMetadata allows cloud metadata addresses (169.254.169.254,
	// fd00:ec2::254, ...), which hand out the node's credentials.
	AllowMetadata bool
	// Resolver resolves names; nil means net.DefaultResolver.
	Resolver Resolver
	// DialTimeout bounds one dial; default 30s.
	DialTimeout time.Duration
	// MaxConns bounds the open connections of one instance; default 32.
	MaxConns int
}

// Resolver looks up a name's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

func (p NetworkPolicy) withDefaults() NetworkPolicy {
	if p.Resolver == nil {
		p.Resolver = net.DefaultResolver
	}
	if p.DialTimeout <= 0 {
		p.DialTimeout = 30 * time.Second
	}
	if p.MaxConns <= 0 {
		p.MaxConns = 32
	}
	return p
}

// metadataAddrs are cloud metadata services. They are link-local or
// private, but AllowLinkLocal alone does not open them.
var metadataAddrs = map[netip.Addr]string{
	netip.MustParseAddr("169.254.169.254"): "AWS, GCP, Azure, OpenStack and others",
	netip.MustParseAddr("fd00:ec2::254"):   "AWS IPv6",
	netip.MustParseAddr("169.254.170.2"):   "AWS ECS task",
	netip.MustParseAddr("169.254.170.23"):  "AWS EKS Pod Identity",
	netip.MustParseAddr("fd00:ec2::23"):    "AWS EKS Pod Identity IPv6",
	netip.MustParseAddr("fd20:ce::254"):    "GCP IPv6",
	netip.MustParseAddr("100.100.100.200"): "Alibaba Cloud",
	netip.MustParseAddr("192.0.0.192"):     "Oracle Cloud",
	netip.MustParseAddr("168.63.129.16"):   "Azure WireServer",
}

var (
	// nat64 is the well-known NAT64 prefix (RFC 6052), which embeds a
	// public IPv4 address in its last 32 bits.
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	// localNAT64 is for a site's own translators (RFC 8215), with the
	// IPv4 address at a position the address does not say.
	localNAT64 = netip.MustParsePrefix("64:ff9b:1::/48")
)

// The settings that open what the policy refuses, as pipeline.yaml names
// them; every refusal names one.
const (
	SettingAllowLoopback  = "sandbox.allowLoopback"
	SettingAllowLinkLocal = "sandbox.allowLinkLocal"
	SettingAllowMetadata  = "sandbox.allowMetadata"
)

// byOperator says where a setting comes from, for refusal messages.
func byOperator(setting string) string {
	return setting + ": true in pipeline.yaml allows it, which only the operator's configuration sets, never a Run"
}

// namesLoopback says whether a host the config names is a loopback
// address or localhost: a choice the pipeline's author made.
func namesLoopback(host string) bool {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().IsLoopback()
	}
	return host == "localhost"
}

// check says why ip may not be dialed under p, or "" if it may.
// namedLoopback: the config names a loopback host, so loopback addresses
// are allowed (not the unspecified ones).
func (p NetworkPolicy) check(ip netip.Addr, namedLoopback bool) string {
	ip = ip.Unmap().WithZone("")
	if localNAT64.Contains(ip) {
		return fmt.Sprintf("%s is in the local-use NAT64 prefix %s, which may reach any IPv4 address of the site's network; no setting allows it: name the IPv4 address or a host instead", ip, localNAT64)
	}
	if nat64.Contains(ip) { // judge the IPv4 address a NAT64 gateway would reach
		b := ip.As16()
		v4 := netip.AddrFrom4([4]byte(b[12:]))
		if v4.IsPrivate() {
			return fmt.Sprintf("%s is the NAT64 form of the private address %s, which the well-known prefix must not carry (RFC 6052) and a gateway would reach outside the cluster; no setting allows it: name %s itself", ip, v4, v4)
		}
		ip = v4
	}
	if cloud, ok := metadataAddrs[ip]; ok {
		if p.AllowMetadata {
			return ""
		}
		return fmt.Sprintf("%s is a cloud metadata address (%s), which hands out the node's credentials; %s", ip, cloud, byOperator(SettingAllowMetadata))
	}
	switch {
	case ip.IsUnspecified() && !p.AllowLoopback:
		return fmt.Sprintf("%s is the unspecified address, which reaches this host; %s", ip, byOperator(SettingAllowLoopback))
	case ip.IsLoopback() && !p.AllowLoopback && !namedLoopback:
		return fmt.Sprintf("%s is a loopback address behind a name other than localhost; naming 127.0.0.1, ::1 or localhost in the config allows it, and %s", ip, byOperator(SettingAllowLoopback))
	case ip.IsLinkLocalUnicast() && !p.AllowLinkLocal:
		return fmt.Sprintf("%s is a link-local address; %s", ip, byOperator(SettingAllowLinkLocal))
	case ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Sprintf("%s is a multicast or broadcast address, which no setting allows", ip)
	}
	return ""
}

// Refusal says why ip may not be reached under p, or "" if it may: the
// sandbox's address check, for other code that connects on a module's
// behalf (plugins/fetch follows redirects only to allowed addresses).
func (p NetworkPolicy) Refusal(ip netip.Addr) string { return p.check(ip, false) }

// resolve returns the addresses of host that network may use, and why
// the others were refused.
func (p NetworkPolicy) resolve(ctx context.Context, network, host string) (allowed []netip.Addr, refused []string, err error) {
	var ips []netip.Addr
	if ip, perr := netip.ParseAddr(host); perr == nil {
		ips = []netip.Addr{ip}
	} else {
		lookup := map[string]string{"tcp": "ip", "tcp4": "ip4", "tcp6": "ip6"}[network]
		if ips, err = p.Resolver.LookupNetIP(ctx, lookup, host); err != nil {
			return nil, nil, err
		}
	}
	named := namesLoopback(normalHost(host))
	for _, ip := range ips {
		ip = ip.Unmap()
		switch {
		case network == "tcp4" && !ip.Is4(), network == "tcp6" && !ip.Is6():
			continue
		}
		if why := p.check(ip, named); why != "" {
			refused = append(refused, why)
			continue
		}
		allowed = append(allowed, ip)
	}
	return allowed, refused, nil
}
