// Package marmottest is a fake Marmot for tests: an HTTP server that
// answers the ingest API as the real one does
// (docs/marmot-api.md) and records every request and
// every way a request breaks the contract: headers, JSON keys, their order
// and types, the order of calls, one batch per source run, a summary that
// disagrees with the batch's results. It keeps a catalogue with Marmot's
// stale-deletion rules (§6), so tests can check the catalogue's state
// after a run. Failures can be injected per request.
package marmottest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
)

// Options configure a Server.
type Options struct {
	// APIKey, when set, is the only credential accepted, as X-API-Key.
	APIKey string
	// BearerToken, when set, is the only credential accepted, as
	// "Authorization: Bearer". With neither, requests need no credential.
	BearerToken string
	// AssetError, when it returns a message, fails that asset of a batch.
	AssetError func(name, typ string) string
}

// Failure is an injected answer (see FailNext).
type Failure struct {
	// Status is answered, with Marmot's {"error": ...} body.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Reset closes the connection with a TCP reset instead of answering.
	Reset bool
	// AfterProcessing handles the request first, so only its answer is
	// lost; otherwise the request is not handled at all.
	AfterProcessing bool
}

// Request is a request as received.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	// Status is the answer's status, 0 when the connection was reset.
	Status int
}

// Run is the server's record of one ingestion run.
type Run struct {
	ID, Pipeline, Source string
	// Status is running, completed, failed or cancelled.
	Status string
	// Config is the config runs/start received.
	Config map[string]any
	// Batches counts the batch requests handled for the run.
	Batches int
	// Assets are the MRNs of the batch's assets, in order.
	Assets                 []string
	Lineage, Documentation int
	FailedAssets           int
	// Summary and Error are what runs/complete received.
	Summary map[string]int64
	Error   string

	counts    map[string]int    // asset statuses of the batch
	hashes    map[string]string // the batch's checkpoints: MRN -> hash of its last asset
	stale     int
	lastBatch []byte
}

type key struct{ pipeline, source string }

// Server is the fake Marmot. Its URL is the --host to use.
type Server struct {
	URL string

	srv  *httptest.Server
	opts Options

	mu         sync.Mutex
	requests   []Request
	violations []string
	failures   map[string][]Failure
	runs       []*Run
	catalog    map[string]json.RawMessage // MRN -> the asset as last written, canonicalised when read (Asset)
	baselines  map[key]map[string]string  // checkpoints (MRN -> hash) of the last completed run with a batch
}

// New starts a Server; Close stops it.
func New(opts Options) *Server {
	s := &Server{opts: opts, failures: map[string][]Failure{}, catalog: map[string]json.RawMessage{}, baselines: map[key]map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// FailNext makes the next requests to method and path get failures, one
// each, in order, before normal answers resume.
func (s *Server) FailNext(method, path string, failures ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method+" "+path] = append(s.failures[method+" "+path], failures...)
}

// Requests returns every request received so far, injected failures
// included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Violations returns every breach of the contract seen so far, and one
// for every run that is still running.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.violations)
	for _, r := range s.runs {
		if r.Status == "running" {
			out = append(out, fmt.Sprintf("run %s (%s/%s) was never completed", r.ID, r.Pipeline, r.Source))
		}
	}
	return out
}

// Runs returns the runs started so far, in order.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Run, len(s.runs))
	for i, r := range s.runs {
		out[i] = *r
	}
	return out
}

// Catalog returns the MRNs of the assets stored, sorted.
func (s *Server) Catalog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.catalog))
	for mrn := range s.catalog {
		out = append(out, mrn)
	}
	slices.Sort(out)
	return out
}

// AddAsset stores an asset as if an earlier run of pipeline/source had
// ingested it, making it part of that pair's baseline.
func (s *Server) AddAsset(pipeline, source, mrn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catalog[mrn] = json.RawMessage("{}")
	k := key{pipeline, source}
	if s.baselines[k] == nil {
		s.baselines[k] = map[string]string{}
	}
	s.baselines[k][mrn] = hashAsset(json.RawMessage("{}"))
}

// Asset returns the stored asset of an MRN as canonical JSON (keys
// sorted), as the last create or update wrote it, and whether there is one.
func (s *Server) Asset(mrn string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.catalog[mrn]
	if !ok {
		return nil, false
	}
	return json.RawMessage(canonical(a)), true
}

// Statuses returns, per status (created, updated, unchanged, failed), how
// many assets of the run's last batch Marmot answered it for.
func (s *Server) Statuses(runID string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	if r := s.findRun(runID); r != nil {
		for _, st := range []string{"created", "updated", "unchanged", "failed"} {
			if n := r.counts[st]; n > 0 {
				out[st] = n
			}
		}
	}
	return out
}

// answer is a response to write, or a connection to reset.
type answer struct {
	status     int
	body       any
	header     http.Header
	reset      bool
	rawMessage string // a plain-text body
	raw        []byte // a JSON body, already encoded
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	var a answer
	if err != nil {
		a = answer{reset: true}
	} else {
		a = s.handle(r, body)
	}
	if !a.reset {
		s.requests[idx].Status = a.status
	}
	s.mu.Unlock()
	write(w, a)
}

func write(w http.ResponseWriter, a answer) {
	if a.reset {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST, not FIN; best effort
			}
			conn.Close()
		}
		return
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	if a.rawMessage != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.rawMessage)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	if a.raw != nil {
		_, _ = w.Write(a.raw) // a client gone away is its own test's failure
		return
	}
	_ = json.NewEncoder(w).Encode(a.body)
}

func errorAnswer(status int, msg string) answer {
	return answer{status: status, body: map[string]string{"error": msg}}
}

// handle checks and answers one request; s.mu is held.
func (s *Server) handle(r *http.Request, body []byte) answer {
	where := r.Method + " " + r.URL.Path
	c := &checker{where: where}
	defer func() { s.violations = append(s.violations, c.out...) }()
	s.checkHeaders(c, r.Header)
	if a, ok := s.authenticate(r.Header); !ok {
		return a
	}
	var failure *Failure
	if q := s.failures[where]; len(q) > 0 {
		failure = &q[0]
		s.failures[where] = q[1:]
		if !failure.AfterProcessing {
			return failure.answer()
		}
	}
	a := s.route(c, r, body)
	if failure != nil {
		return failure.answer()
	}
	return a
}

func (f *Failure) answer() answer {
	if f.Reset {
		return answer{reset: true}
	}
	a := errorAnswer(f.Status, http.StatusText(f.Status))
	if f.RetryAfter != "" {
		a.header = http.Header{"Retry-After": {f.RetryAfter}}
	}
	return a
}

func (s *Server) route(c *checker, r *http.Request, body []byte) answer {
	path := strings.TrimSuffix(r.URL.Path, "/")
	var handler func(*checker, *object) answer
	method := http.MethodPost
	switch {
	case path == "/api/v1/runs/start":
		handler = s.start
	case path == "/api/v1/runs/assets/batch":
		handler = func(c *checker, o *object) answer { return s.batch(c, o, body) }
	case path == "/api/v1/runs/complete":
		handler = s.complete
	case strings.HasPrefix(path, "/api/v1/pipelines/") && len(path) > len("/api/v1/pipelines/"):
		method = http.MethodDelete
		if len(body) > 0 {
			c.errf("body", "DELETE has a body, the CLI sends none")
		}
		if r.Method == method {
			return s.destroy(strings.TrimPrefix(path, "/api/v1/pipelines/"))
		}
	default:
		c.errf("path", "not an ingest endpoint")
		return errorAnswer(http.StatusNotFound, "not found")
	}
	if r.Method != method {
		c.errf("method", "want %s", method)
		return answer{status: http.StatusMethodNotAllowed, rawMessage: "Method not allowed"}
	}
	o, err := parseObject(body)
	if err != nil {
		c.errf("body", "not a JSON object: %v", err)
		return errorAnswer(http.StatusBadRequest, "Invalid request body")
	}
	return handler(c, o)
}

func (s *Server) checkHeaders(c *checker, h http.Header) {
	if got := h.Values("Content-Type"); !slices.Equal(got, []string{"application/json"}) {
		c.errf("Content-Type", "is %q, want application/json", got)
	}
	if got := h.Values("User-Agent"); !slices.Equal(got, []string{"marmot-cli"}) {
		c.errf("User-Agent", "is %q, want marmot-cli", got)
	}
	if h.Get("X-API-Key") != "" && h.Get("Authorization") != "" {
		c.errf("headers", "both X-API-Key and Authorization are sent; the CLI sends one credential")
	}
	if a := h.Get("Authorization"); a != "" && !strings.HasPrefix(a, "Bearer ") {
		c.errf("Authorization", "is not a Bearer token")
	}
}

// authenticate answers 401 as Marmot does when the credential is not the
// one configured.
func (s *Server) authenticate(h http.Header) (answer, bool) {
	switch {
	case s.opts.APIKey != "" && h.Get("X-API-Key") != "":
		if h.Get("X-API-Key") != s.opts.APIKey {
			return errorAnswer(http.StatusUnauthorized, "Invalid API key"), false
		}
	case s.opts.BearerToken != "" && h.Get("Authorization") != "":
		if h.Get("Authorization") != "Bearer "+s.opts.BearerToken {
			return errorAnswer(http.StatusUnauthorized, "Invalid token"), false
		}
	case s.opts.APIKey != "" || s.opts.BearerToken != "":
		if h.Get("X-API-Key") != "" {
			return errorAnswer(http.StatusUnauthorized, "Invalid API key"), false
		}
		if h.Get("Authorization") != "" {
			return errorAnswer(http.StatusUnauthorized, "Invalid token"), false
		}
		return errorAnswer(http.StatusUnauthorized, "Authentication required"), false
	}
	return answer{}, true
}
