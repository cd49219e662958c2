package sink

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// DryRun is a Sink that contacts nothing: it writes every request it would
// send as one JSON line, {"method": ..., "path": ..., "body": ...}, body
// null when there is none. Run ids are dry-run-1, dry-run-2, ... The
// batch line is streamed from the batch file, so a large catalogue costs
// no memory here either. Credentials are never written.
type DryRun struct {
	mu   sync.Mutex
	w    io.Writer
	runs int
}

// NewDryRun writes to w.
func NewDryRun(w io.Writer) *DryRun { return &DryRun{w: w} }

// StartRun writes the runs/start request.
func (d *DryRun) StartRun(_ context.Context, r StartRun) (string, error) {
	d.mu.Lock()
	d.runs++
	id := fmt.Sprintf("dry-run-%d", d.runs)
	d.mu.Unlock()
	return id, d.line(http.MethodPost, PathStartRun, r)
}

// SendBatch writes the batch request and answers as if nothing had been
// stored.
func (d *DryRun) SendBatch(_ context.Context, b *Batch) (*BatchResult, error) {
	body, err := b.Open()
	if err != nil {
		return nil, err
	}
	defer body.Close()
	d.mu.Lock()
	defer d.mu.Unlock()
	w := bufio.NewWriter(d.w)
	fmt.Fprintf(w, `{"method":"POST","path":%q,"body":`, PathBatch)
	// The body ends with the encoder's newline, which a JSON line cannot hold.
	if _, err := io.CopyN(w, body, b.Size()-1); err != nil {
		return nil, fmt.Errorf("reading the batch file: %w", err)
	}
	if _, err := w.WriteString("}\n"); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return &BatchResult{}, nil
}

// CompleteRun writes the runs/complete request.
func (d *DryRun) CompleteRun(_ context.Context, r CompleteRun) error {
	return d.line(http.MethodPost, PathCompleteRun, r)
}

// DestroyPipeline writes the DELETE request and answers that nothing was
// deleted.
func (d *DryRun) DestroyPipeline(_ context.Context, pipeline string) (*DestroyResult, error) {
	if err := d.line(http.MethodDelete, PathPipelines+url.PathEscape(pipeline), nil); err != nil {
		return nil, err
	}
	return &DestroyResult{DeletedEntityMRNs: []string{}}, nil
}

func (d *DryRun) line(method, path string, body any) error {
	data, err := json.Marshal(struct {
		Method string `json:"method"`
		Path   string `json:"path"`
		Body   any    `json:"body"`
	}{method, path, body})
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err = d.w.Write(append(data, '\n'))
	return err
}
