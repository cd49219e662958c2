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
type NetworkPolicy struct {
	// AllowLoopback allows 127.0.0.0/8, ::1 and the unspecified
	// addresses (0.0.0.0, ::), which also reach this host.
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
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// check says why ip may not be dialed under p, or "" if it may.
func (p NetworkPolicy) check(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if nat64.Contains(ip) { // judge the IPv4 address a NAT64 gateway would reach
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	if cloud, ok := metadataAddrs[ip]; ok {
		if p.AllowMetadata {
			return ""
		}
		return fmt.Sprintf("%s is a cloud metadata address (%s); AllowMetadata would allow it", ip, cloud)
	}
	switch {
	case ip.IsUnspecified() && !p.AllowLoopback:
		return fmt.Sprintf("%s is the unspecified address, which reaches this host; AllowLoopback would allow it", ip)
	case ip.IsLoopback() && !p.AllowLoopback:
		return fmt.Sprintf("%s is a loopback address; AllowLoopback would allow it", ip)
	case ip.IsLinkLocalUnicast() && !p.AllowLinkLocal:
		return fmt.Sprintf("%s is a link-local address; AllowLinkLocal would allow it", ip)
	case ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Sprintf("%s is a multicast or broadcast address", ip)
	}
	return ""
}

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
	for _, ip := range ips {
		ip = ip.Unmap()
		switch {
		case network == "tcp4" && !ip.Is4(), network == "tcp6" && !ip.Is6():
			continue
		}
		if why := p.check(ip); why != "" {
			refused = append(refused, why)
			continue
		}
		allowed = append(allowed, ip)
	}
	return allowed, refused, nil
}
