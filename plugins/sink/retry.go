package sink

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry says how a request that is safe to repeat is tried again after a
// network error, 429 or 5xx. Which requests are safe, and why, is in
// Client's documentation.
type Retry struct {
	// Attempts is the most tries of one request, the first included.
	// Default 4; 1 disables retries.
	Attempts int
	// Backoff is the wait before the second try; it doubles with every
	// further try, with up to 50% jitter taken off. Default 1s.
	Backoff time.Duration
	// MaxBackoff caps every wait, a server's Retry-After included.
	// Default 30s.
	MaxBackoff time.Duration
}

// DefaultRetry is used for the zero Retry's fields.
var DefaultRetry = Retry{Attempts: 4, Backoff: time.Second, MaxBackoff: 30 * time.Second}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = DefaultRetry.Attempts
	}
	if r.Backoff <= 0 {
		r.Backoff = DefaultRetry.Backoff
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = DefaultRetry.MaxBackoff
	}
	return r
}

// wait is the pause after the given failed attempt (1-based); a server's
// Retry-After, when longer, wins, within MaxBackoff.
func (r Retry) wait(attempt int, retryAfter time.Duration) time.Duration {
	d := r.Backoff
	for i := 1; i < attempt && d < r.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.MaxBackoff)
	d -= time.Duration(rand.Int64N(int64(d)/2 + 1)) // jitter, so pods that failed together do not retry together
	if retryAfter > d {
		d = min(retryAfter, r.MaxBackoff)
	}
	return d
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// retryableStatus is true for answers that say "try again later": 429
// and every 5xx. Marmot answers 503 while its plugins load (contract
// §1.5), and proxies in front of it 502/503/504 while it restarts.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// permanentTransportError is true for network errors a retry cannot fix:
// a certificate that does not verify.
func permanentTransportError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
