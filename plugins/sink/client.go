// Package sink sends what sources discover to Marmot's ingest API exactly
// as `marmot ingest` does (docs/marmot-api.md): run
// start, one batch per source run, run complete, and pipeline destroy.
package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// API paths (contract §0).
const (
	PathStartRun    = "/api/v1/runs/start"
	PathBatch       = "/api/v1/runs/assets/batch"
	PathCompleteRun = "/api/v1/runs/complete"
	PathPipelines   = "/api/v1/pipelines/"
)

// UserAgent is the CLI's, which Marmot uses to attribute requests (§1.2).
const UserAgent = "marmot-cli"

// DefaultTokenFile is the pod's service-account token, sent as a Bearer
// token when no API key is set (§1.2).
const DefaultTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// Sink receives a pipeline's requests: the Marmot API client, or DryRun.
type Sink interface {
	// StartRun opens a run and returns its run_id.
	StartRun(ctx context.Context, r StartRun) (runID string, err error)
	// SendBatch sends a sealed batch, the only one of its run, and tallies
	// the answer.
	SendBatch(ctx context.Context, b *Batch) (*BatchResult, error)
	// CompleteRun closes a run.
	CompleteRun(ctx context.Context, r CompleteRun) error
	// DestroyPipeline deletes everything the pipeline's runs ingested.
	DestroyPipeline(ctx context.Context, pipeline string) (*DestroyResult, error)
}

// Options configure a Client.
type Options struct {
	// Host is Marmot's base address, such as http://marmot:8080, without
	// /api/v1 (§1.1).
	Host string
	// APIKey, when set, is sent as X-API-Key. A secret: never logged.
	APIKey string
	// TokenFile is read before every request when APIKey is empty, and its
	// trimmed content sent as "Authorization: Bearer"; re-reading it
	// follows the kubelet's token rotation. A missing file means no
	// credentials. Default DefaultTokenFile.
	TokenFile string
	// HTTPClient sends the requests; its Timeout should be zero, as
	// RequestTimeout and BatchTimeout bound each attempt. Default: a
	// client with http.DefaultTransport.
	HTTPClient *http.Client
	// RequestTimeout bounds one attempt of start, complete and destroy,
	// like the CLI's 120 s.
	RequestTimeout time.Duration
	// BatchTimeout bounds one attempt of a batch, answer included. Marmot
	// handles a batch one asset at a time (≈4.5 ms per asset observed,
	// §1.6), so 40,000 assets need minutes: the CLI's 120 s is too short.
	// Default 30 minutes.
	BatchTimeout time.Duration
	Retry        Retry
	// Logger gets retries and warnings. Default: discard.
	Logger *slog.Logger
}

// Default timeouts.
const (
	DefaultRequestTimeout = 120 * time.Second
	DefaultBatchTimeout   = 30 * time.Minute
)

// Client is Sink over HTTP.
//
// Every request carries Content-Type: application/json, User-Agent:
// marmot-cli and at most one credential header (§1.2). Requests are
// retried after network errors, 429 and 5xx, within Options.Retry, when
// repeating them cannot harm the catalogue:
//   - runs/start: a repeat can only leave an extra run in status
//     "running" when an earlier attempt went through unseen; such a run
//     is never a stale-deletion baseline (§6), so it deletes nothing.
//   - runs/assets/batch: the whole state of the source travels in it and
//     the baseline is the previous completed run, which this one cannot
//     change while it is running, so a repeat computes the same stale set
//     and adopts the assets an earlier attempt created (§4.2). Statistics
//     and run history, which would be stored twice, are never sent. An
//     attempt that ran out of BatchTimeout is not repeated: Marmot is
//     probably still working on it, and a copy would double its load.
//   - runs/complete: a repeat after an unseen success is refused with
//     "cannot complete run with status ..." (§1.5); a retried attempt
//     that gets that answer counts as done.
//   - DELETE pipelines/{name}: deleting again finds nothing more to delete.
//
// 4xx answers are never retried: the request itself is wrong.
type Client struct {
	base      string
	apiKey    string
	tokenFile string
	http      *http.Client
	timeout   time.Duration
	batchTime time.Duration
	retry     Retry
	log       *slog.Logger
	noCreds   sync.Once
}

// NewClient checks opts and returns a Client.
func NewClient(opts Options) (*Client, error) {
	base, err := baseURL(opts.Host)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:      base,
		apiKey:    opts.APIKey,
		tokenFile: opts.TokenFile,
		http:      opts.HTTPClient,
		timeout:   opts.RequestTimeout,
		batchTime: opts.BatchTimeout,
		retry:     opts.Retry.withDefaults(),
		log:       opts.Logger,
	}
	if c.tokenFile == "" {
		c.tokenFile = DefaultTokenFile
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultRequestTimeout
	}
	if c.batchTime <= 0 {
		c.batchTime = DefaultBatchTimeout
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func baseURL(host string) (string, error) {
	u, err := url.Parse(host)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return "", fmt.Errorf("marmot host %q is not an http:// or https:// address such as http://marmot:8080", host)
	case u.User != nil:
		return "", errors.New("marmot host must not contain credentials; use --api-key or MARMOT_API_KEY")
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("marmot host %q must not have a query or fragment", host)
	}
	base := strings.TrimRight(u.String(), "/")
	if strings.HasSuffix(base, "/api/v1") {
		return "", fmt.Errorf("marmot host %q must be Marmot's base address, without /api/v1", host)
	}
	return base, nil
}

// StartRun posts runs/start and returns the run_id.
func (c *Client) StartRun(ctx context.Context, r StartRun) (string, error) {
	body, err := encodeJSON(r)
	if err != nil {
		return "", err
	}
	var run struct {
		RunID string `json:"run_id"`
	}
	err = c.do(ctx, request{method: http.MethodPost, path: PathStartRun, body: body, timeout: c.timeout, retryTimeouts: true},
		func(resp *http.Response) error { return json.NewDecoder(resp.Body).Decode(&run) })
	if err == nil && run.RunID == "" {
		err = fmt.Errorf("POST %s: the answer has no run_id", PathStartRun)
	}
	return run.RunID, err
}

// SendBatch posts the sealed batch and tallies Marmot's answer, read as
// a stream: Marmot echoes every asset, so the answer is as large as the
// request.
func (c *Client) SendBatch(ctx context.Context, b *Batch) (*BatchResult, error) {
	if err := b.ready(); err != nil {
		return nil, err
	}
	var res *BatchResult
	err := c.do(ctx, request{method: http.MethodPost, path: PathBatch, open: b.Open, size: b.Size(), timeout: c.batchTime},
		func(resp *http.Response) (err error) {
			res, err = decodeBatchResult(resp.Body)
			return err
		})
	if err != nil {
		return nil, err
	}
	if res.AssetResults != b.Assets() {
		c.log.Warn("Marmot's answer to the batch does not list every asset sent", "sent", b.Assets(), "results", res.AssetResults)
	}
	return res, nil
}

// CompleteRun posts runs/complete.
func (c *Client) CompleteRun(ctx context.Context, r CompleteRun) error {
	body, err := encodeJSON(r)
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodPost, path: PathCompleteRun, body: body, timeout: c.timeout, retryTimeouts: true,
		doneBefore: func(code int, msg string) bool {
			return code == http.StatusInternalServerError && strings.Contains(msg, "cannot complete run with status")
		}}, nil)
}

// DestroyPipeline sends DELETE /api/v1/pipelines/{pipeline}.
func (c *Client) DestroyPipeline(ctx context.Context, pipeline string) (*DestroyResult, error) {
	var res DestroyResult
	err := c.do(ctx, request{method: http.MethodDelete, path: PathPipelines + url.PathEscape(pipeline), timeout: c.timeout, retryTimeouts: true},
		func(resp *http.Response) error { return json.NewDecoder(resp.Body).Decode(&res) })
	if err != nil {
		return nil, err
	}
	return &res, nil
}
