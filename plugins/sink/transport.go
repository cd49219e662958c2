package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// request is one API call, sent up to Retry.Attempts times.
type request struct {
	method, path string
	body         []byte                        // a small body, or
	open         func() (io.ReadCloser, error) // a large one, reopened for every attempt
	size         int64
	timeout      time.Duration
	// retryTimeouts allows a retry after an attempt ran out of timeout.
	retryTimeouts bool
	// doneBefore, for a retried attempt, recognizes the answer that means
	// an earlier attempt went through.
	doneBefore func(code int, msg string) bool
}

func (r request) String() string { return r.method + " " + r.path }

// do sends r until it succeeds, fails for good or runs out of attempts.
// handle reads a successful answer; it may be nil.
func (c *Client) do(ctx context.Context, r request, handle func(*http.Response) error) error {
	for attempt := 1; ; attempt++ {
		retry, after, err := c.attempt(ctx, r, attempt, handle)
		if err == nil {
			return nil
		}
		if !retry || attempt >= c.retry.Attempts || ctx.Err() != nil {
			if attempt > 1 {
				err = fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
			}
			return err
		}
		wait := c.retry.wait(attempt, after)
		c.log.Warn("Marmot request failed, retrying", "request", r.String(), "attempt", attempt, "attempts", c.retry.Attempts, "retry_in", wait.String(), "error", err.Error())
		if sleep(ctx, wait) != nil {
			return err
		}
	}
}

// attempt sends r once and says whether a failure may be retried, and
// after how long the server asked to wait.
func (c *Client) attempt(ctx context.Context, r request, n int, handle func(*http.Response) error) (retry bool, after time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	// failed classifies a network error, whether sending or reading.
	failed := func(err error) (bool, time.Duration, error) {
		switch {
		case ctx.Err() != nil:
			return false, 0, fmt.Errorf("%s: %w", r, ctx.Err())
		case errors.Is(actx.Err(), context.DeadlineExceeded):
			return r.retryTimeouts, 0, fmt.Errorf("%s: no complete answer within %s", r, r.timeout)
		}
		return !permanentTransportError(err), 0, fmt.Errorf("%s: %w", r, err)
	}
	req, err := c.newRequest(actx, r)
	if err != nil {
		return false, 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return failed(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := errorMessage(resp.Body)
		if n > 1 && r.doneBefore != nil && r.doneBefore(resp.StatusCode, msg) {
			c.log.Info("an earlier attempt of the request went through", "request", r.String(), "answer", msg)
			return false, 0, nil
		}
		return retryableStatus(resp.StatusCode), retryAfter(resp.Header),
			&StatusError{Method: r.method, Path: r.path, StatusCode: resp.StatusCode, Message: msg}
	}
	if handle == nil {
		// Drained so the connection can be reused; a failed read only
		// costs the connection, the answer was already a success.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return false, 0, nil
	}
	body := &readTracker{r: resp.Body}
	resp.Body = body
	if err := handle(resp); err != nil {
		if body.err != nil && !errors.Is(body.err, io.EOF) { // cut off, not malformed
			return failed(body.err)
		}
		return false, 0, fmt.Errorf("%s: reading the answer: %w", r, err)
	}
	return false, 0, nil
}

func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	var body io.Reader
	var getBody func() (io.ReadCloser, error)
	switch {
	case r.open != nil:
		rc, err := r.open()
		if err != nil {
			return nil, err
		}
		body, getBody = rc, r.open
	case r.body != nil:
		body = bytes.NewReader(r.body)
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(r.body)), nil }
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		if rc, ok := body.(io.Closer); ok {
			rc.Close()
		}
		return nil, err
	}
	if r.open != nil {
		req.ContentLength = r.size
		req.GetBody = getBody // for 307/308 redirects
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if err := c.authorize(req); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return req, nil
}

// StatusError is an answer outside 2xx.
type StatusError struct {
	Method, Path string
	StatusCode   int
	// Message is Marmot's {"error": ...}, or the start of a body that is
	// not JSON.
	Message string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		s += " (Marmot refused the credentials: ingestion needs a user API key (--api-key or MARMOT_API_KEY) or a token Marmot accepts; service-account API keys cannot ingest)"
	case http.StatusForbidden:
		s += " (the credentials lack the ingestion:manage permission)"
	}
	return s
}

// errorMessage reads Marmot's error body, {"error": "..."}, or the start
// of any other body.
func errorMessage(r io.Reader) string {
	data, _ := io.ReadAll(io.LimitReader(r, 4<<10))
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return e.Error
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// readTracker remembers the error of the body it reads.
type readTracker struct {
	r   io.ReadCloser
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && t.err == nil {
		t.err = err
	}
	return n, err
}

func (t *readTracker) Close() error { return t.r.Close() }

// encodeJSON encodes v as the CLI does: json.Encoder, newline included.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
