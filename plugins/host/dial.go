package host

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dial connects the module to addr if the policy allows it. Policy
// violations stop the module; network failures are returned to it.
func (in *instance) dial(ctx context.Context, network, addr string, deadline int64) (int32, error) {
	id, pol := in.m.name(), in.m.opts.Network
	refuse := func(reason string) { in.abort(&PolicyError{Module: id, Addr: addr, Reason: reason}) }
	if !slices.Contains(in.m.desc.Capabilities, capabilityNetwork) {
		refuse(`the plugin did not declare the "network" capability; its description's capabilities must list "network"`)
	}
	if !in.discovering {
		refuse("network access is granted only during " + exportDiscover)
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return 0, fmt.Errorf("network %q is not supported: plugin ABI v%d dials TCP only", network, ABIVersion)
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return 0, fmt.Errorf("address %s: port %q is not a number from 1 to 65535", addr, portStr)
	}
	if !in.allow.allows(host, uint16(port)) {
		refuse(fmt.Sprintf("%s is not an endpoint the config names (config endpoints: %s); naming it in the source's config allows it", addr, in.allow))
	}

	dctx, cancel := context.WithTimeout(ctx, pol.DialTimeout)
	defer cancel()
	if deadline > 0 {
		var cancelDL context.CancelFunc
		dctx, cancelDL = context.WithDeadline(dctx, time.Unix(0, deadline))
		defer cancelDL()
	}
	ips, refused, err := pol.resolve(dctx, network, host)
	if err != nil {
		in.stopIfDone(ctx)
		return 0, err
	}
	if len(ips) == 0 {
		if len(refused) == 0 {
			return 0, fmt.Errorf("%s has no address for network %s", host, network)
		}
		if _, lit := netip.ParseAddr(normalHost(host)); lit == nil {
			refuse(strings.Join(refused, "; "))
		}
		refuse(fmt.Sprintf("%s resolves only to refused addresses: %s", host, strings.Join(refused, "; ")))
	}
	// Dial the checked IPs themselves, never the name: a second lookup
	// could answer differently (DNS rebinding).
	var d net.Dialer
	var errs []error
	for _, ip := range ips {
		c, err := d.DialContext(dctx, network, netip.AddrPortFrom(ip, uint16(port)).String())
		if err == nil {
			return in.conns.add(c)
		}
		errs = append(errs, err)
	}
	in.stopIfDone(ctx)
	return 0, errors.Join(errs...)
}

// stopIfDone stops the module when the call's context ended during a
// blocking host call; failure() then says which limit.
func (in *instance) stopIfDone(ctx context.Context) {
	if expired(ctx) {
		panic(errAbort)
	}
}
