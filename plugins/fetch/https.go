package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	neturl "net/url"

	"github.com/weir-dev/weir/plugins/host"
)

// newHTTPClient returns a client that trusts the system's roots plus the
// PEM bundles given, and follows redirects to https only, and only to the
// URL's own host and port or to addresses the plugin sandbox allows.
func newHTTPClient(bundles ...[]byte) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if pool, err := certPool(bundles...); err != nil {
		return nil, err
	} else if pool != nil {
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s refused: modules are fetched over https only", display(req.URL.String()))
			}
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return checkRedirectHost(req, via[0])
		},
	}, nil
}

// redirectResolver resolves the hosts of redirects; tests replace it.
var redirectResolver host.Resolver = net.DefaultResolver

// checkRedirectHost refuses a redirect, away from the host and port the
// URL names, to a loopback, link-local, metadata, unspecified, multicast
// or broadcast address: a server must not turn the operator's fetch into
// a request to the node or the cloud's metadata service. No setting opens
// these for fetches.
func checkRedirectHost(req, first *http.Request) error {
	if req.URL.Host == first.URL.Host {
		return nil
	}
	name := req.URL.Hostname()
	ips := []netip.Addr{}
	if ip, err := netip.ParseAddr(name); err == nil {
		ips = append(ips, ip)
	} else {
		var lerr error
		if ips, lerr = redirectResolver.LookupNetIP(req.Context(), "ip", name); lerr != nil {
			return fmt.Errorf("redirect to %s: cannot resolve %s: %w", display(req.URL.String()), name, lerr)
		}
		if len(ips) == 0 {
			return fmt.Errorf("redirect to %s: %s resolves to no address", display(req.URL.String()), name)
		}
	}
	for _, ip := range ips {
		if (host.NetworkPolicy{}).Refusal(ip) != "" {
			return fmt.Errorf("redirect to %s refused: %s is a loopback, link-local, cloud metadata, unspecified, multicast or broadcast address, which a module server may not send the fetch to",
				display(req.URL.String()), ip)
		}
	}
	return nil
}

func (f *Fetcher) fetchHTTPS(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("module URL %s: %w", display(url), err)
	}
	req.Header.Set("Accept", "application/wasm, application/octet-stream;q=0.9, */*;q=0.1")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching module %s: %w", display(url), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching module %s: server answered %s", display(url), resp.Status)
	}
	return readCapped(resp.Body, resp.ContentLength, f.opts.MaxBytes, url)
}

// readCapped reads at most limit bytes, refusing a body that announces or
// turns out to be larger.
func readCapped(r io.Reader, length, limit int64, url string) ([]byte, error) {
	if length > limit {
		return nil, tooLarge(url, limit)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetching module %s: %w", display(url), err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(url, limit)
	}
	return b, nil
}

// unwrapURLError drops *url.Error's "Get <url>:" prefix, which would show
// the query the message otherwise hides.
func unwrapURLError(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// certPool is the system's roots plus each non-empty bundle; nil when
// there is none, which means the system's roots. A bundle without a PEM
// certificate is an error.
func certPool(bundles ...[]byte) (*x509.CertPool, error) {
	var pool *x509.CertPool
	for _, b := range bundles {
		if len(b) == 0 {
			continue
		}
		if pool == nil {
			sys, err := x509.SystemCertPool()
			if err != nil || sys == nil {
				sys = x509.NewCertPool()
			}
			pool = sys
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, errors.New("no PEM certificate in it")
		}
	}
	return pool, nil
}
