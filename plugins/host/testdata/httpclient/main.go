// Command httpclient fetches its config's URL with net/http's Client and
// Transport over the SDK's dialer, as a third party's REST source would:
// the Transport reads on one goroutine while another writes the request.
// Each line of the body becomes an asset; the URL is fetched twice, so
// the second request reuses the kept-alive connection. With deadline_ms
// it instead reads from url's host with that read deadline while another
// goroutine waits, and reports how the read ended; with interrupt_ms, the
// other goroutine sets a deadline in the past after that long, as pgx does
// when a context is cancelled, and the read has none of its own.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	sdk "github.com/weir-dev/weir/plugins/sdk/go"
)

type config struct {
	URL         string `json:"url"`
	CACert      string `json:"ca_cert"`
	DeadlineMS  int    `json:"deadline_ms"`
	InterruptMS int    `json:"interrupt_ms"`
}

type plugin struct{}

func (plugin) Describe() model.Description {
	return model.Description{ID: "httpclient", Version: "0.0.1", Capabilities: []string{sdk.CapabilityNetwork},
		ConfigSchema: map[string]any{"type": "object", "properties": map[string]any{
			"url":          map[string]any{"type": "string", "x-weir-endpoint": true},
			"ca_cert":      map[string]any{"type": "string"},
			"deadline_ms":  map[string]any{"type": "integer"},
			"interrupt_ms": map[string]any{"type": "integer"},
		}}}
}

func (plugin) Validate(json.RawMessage) error { return nil }

func (plugin) Discover(ctx context.Context, raw json.RawMessage, e sdk.Emitter) error {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return sdk.Errorf("config: %v", err)
	}
	if c.DeadlineMS > 0 || c.InterruptMS > 0 {
		return readWithDeadline(ctx, c, e)
	}
	tr := &http.Transport{DialContext: (&sdk.Dialer{}).DialContext}
	if c.CACert != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.CACert)) {
			return sdk.Errorf("ca_cert: no PEM certificate")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	defer tr.CloseIdleConnections()
	for round := range 2 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
		if err != nil {
			return sdk.Errorf("url: %v", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return sdk.Retryable(fmt.Errorf("GET %s: %w", c.URL, err))
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return sdk.Errorf("GET %s: %s", c.URL, resp.Status)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if err := e.Asset(sdk.NewAsset("Table", "HTTP", fmt.Sprintf("%s_%d", sc.Text(), round))); err != nil {
				resp.Body.Close()
				return err
			}
		}
		resp.Body.Close()
		if err := sc.Err(); err != nil {
			return sdk.Retryable(fmt.Errorf("reading %s: %w", c.URL, err))
		}
	}
	return nil
}

// readWithDeadline emits one asset named for how the read ended, with
// the time it took in its metadata.
func readWithDeadline(ctx context.Context, c config, e sdk.Emitter) error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return sdk.Errorf("url: %v", err)
	}
	conn, err := (&sdk.Dialer{}).DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return sdk.Retryable(err)
	}
	defer conn.Close()
	done := make(chan struct{})
	defer close(done)
	start := time.Now()
	go func() { // another goroutine: reads are sliced
		if c.InterruptMS == 0 {
			<-done
			return
		}
		select {
		case <-time.After(time.Duration(c.InterruptMS) * time.Millisecond):
			_ = conn.SetDeadline(time.Unix(1, 0))
		case <-done:
		}
	}()
	if c.DeadlineMS > 0 {
		if err := conn.SetReadDeadline(start.Add(time.Duration(c.DeadlineMS) * time.Millisecond)); err != nil {
			return err
		}
	}
	_, err = conn.Read(make([]byte, 1))
	outcome := "data"
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) && errors.As(err, &ne) && ne.Timeout():
		outcome = "timeout"
	case err != nil:
		outcome = "error"
	}
	a := sdk.NewAsset("Table", "HTTP", outcome)
	a.Metadata = map[string]any{"elapsed_ms": time.Since(start).Milliseconds(), "error": fmt.Sprint(err)}
	return e.Asset(a)
}

func init() { sdk.Serve(plugin{}) }

func main() {}
