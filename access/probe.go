package access

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// ProbeHeader carries a probe token: the controller's request through a
// Workspace's route, to see that the IDE answers there (Available).
const ProbeHeader = "X-Weir-Probe"

// probeTTL is how long a probe token is good.
const probeTTL = 60 * time.Second

// ProbeUser is the user the forward-auth endpoint names for a probe.
const ProbeUser = "system:weir:probe"

// probeToken signs "<ns>/<name>/<uid>/<expiry>": good for that one
// Workspace (this incarnation of it) until expiry.
func probeToken(key []byte, ws *wsv1.Workspace, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString(probeMAC(key, ws.Namespace, ws.Name, string(ws.UID), e)) + "." + e
}

func probeMAC(key []byte, ns, name, uid, exp string) []byte {
	h := hmac.New(sha256.New, key)
	_, _ = io.WriteString(h, ns+"/"+name+"/"+uid+"/"+exp) // a hash.Hash never returns an error
	return h.Sum(nil)
}

// validProbe checks token for Workspace ws at now.
func validProbe(key []byte, token string, ws *wsv1.Workspace, now time.Time) bool {
	sig, e, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || exp < now.Unix() || exp > now.Add(probeTTL+time.Minute).Unix() { // a minute of clock skew between replicas
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, probeMAC(key, ws.Namespace, ws.Name, string(ws.UID), e))
}

// Prober checks that a Workspace's IDE answers through its route: an HTTP
// GET of its URL with a probe token, which the forward-auth endpoint
// accepts for GET and HEAD under that Workspace's own path only. It
// implements workspaces.RouteProber.
type Prober struct {
	keys   atomic.Pointer[Keys]
	client *http.Client
	now    func() time.Time
}

// NewProber returns a prober that fails until SetKeys (the access
// server's keys are read when the manager starts). client nil: a client
// with a 5 s timeout.
func NewProber(client *http.Client) *Prober {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	c := *client
	// 3xx counts as an answer: Jupyter redirects its base path to /lab.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Prober{client: &c, now: time.Now}
}

// SetKeys gives the prober the keys the access server checks tokens with.
func (p *Prober) SetKeys(k *Keys) { p.keys.Store(k) }

// Probe GETs url as ws's probe; nil when the upstream answered 2xx or 3xx.
func (p *Prober) Probe(ctx context.Context, ws *wsv1.Workspace, url string) error {
	resp, err := p.get(ctx, ws, url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("probe %s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

// maxReadBody bounds what Read returns: Jupyter's status and kernel list
// are small.
const maxReadBody = 1 << 20

// Read GETs url (a path under ws's URL, e.g. its api/status) as ws's probe
// and returns the body of a 2xx answer; a redirect or any other status is
// an error. It implements workspaces.RouteReader.
func (p *Prober) Read(ctx context.Context, ws *wsv1.Workspace, url string) ([]byte, error) {
	resp, err := p.get(ctx, ws, url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReadBody+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", url, err)
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return nil, fmt.Errorf("read %s: HTTP %d", url, resp.StatusCode)
	case len(body) > maxReadBody:
		return nil, fmt.Errorf("read %s: the answer is larger than %d bytes", url, maxReadBody)
	}
	return body, nil
}

// get sends the probe's GET; the caller closes the body.
func (p *Prober) get(ctx context.Context, ws *wsv1.Workspace, url string) (*http.Response, error) {
	k := p.keys.Load()
	if k == nil {
		return nil, errors.New("the access server has not loaded its keys yet")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", url, err)
	}
	req.Header.Set(ProbeHeader, probeToken(k.Probe, ws, p.now().Add(probeTTL)))
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", url, err)
	}
	return resp, nil
}
