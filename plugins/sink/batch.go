package sink

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/weir-dev/weir/plugins/model"
)

// ErrEmptyBatch is returned when a batch without assets would be sent:
// Marmot would take it as "the source has no assets any more" and delete
// every asset of the pipeline's source (contract §6).
var ErrEmptyBatch = errors.New("refusing to send a batch without assets: Marmot would delete every asset this pipeline's source ingested before")

// BatchHeader is what a batch says besides its entities.
type BatchHeader struct {
	PipelineName string
	SourceName   string
	RunID        string
	// Config is the masked config (see MaskConfig); Marmot ignores it.
	Config map[string]any
}

// Batch is the body of the one POST /api/v1/runs/assets/batch of a source
// run (contract §4.1, §6), assembled in a temporary file while the source
// discovers, so that memory stays bounded whatever the catalogue's size,
// a failed discovery sends nothing, and the request can be sent again on
// a retry.
//
// The body's keys come in the CLI's order: assets, lineage,
// documentation, statistics, run_history, config, pipeline_name,
// source_name, run_id. Assets are written straight into the body as they
// arrive; lineage and documentation may arrive before, between or after
// them, so they are spilled to files of their own and copied into the
// body by Seal, which can then drop the ones whose assets were filtered
// out (contract §8.3) once every asset is known. Statistics are sent as
// null and run history as [], as `marmot ingest` does.
//
// A Batch is not safe for concurrent use. Close removes its files.
type Batch struct {
	header   BatchHeader
	syncedAt time.Time

	body    *os.File
	w       *bufio.Writer
	lineage *spill
	docs    *spill

	scratch bytes.Buffer
	enc     *json.Encoder

	assets, lineageN, docsN int
	size                    int64
	sealed                  bool

	// pos is the body's length so far (buffered bytes included), so that
	// owners can note where each asset starts.
	pos        int64
	owners     owners
	collisions []Collision
}

// assetsStart is the offset of the first asset in the body.
const assetsStart = int64(len(`{"assets":[`))

// NewBatch starts a batch in a new temporary file in dir (os.TempDir()
// when empty).
func NewBatch(dir string, h BatchHeader) (*Batch, error) {
	b := &Batch{header: h, syncedAt: time.Now().UTC()}
	b.enc = json.NewEncoder(&b.scratch)
	var err error
	if b.body, err = os.CreateTemp(dir, "weir-batch-*.json"); err != nil {
		return nil, fmt.Errorf("creating the batch file: %w", err)
	}
	if b.lineage, err = newSpill(dir, "weir-lineage-*.jsonl"); err == nil {
		b.docs, err = newSpill(dir, "weir-docs-*.jsonl")
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	b.w = bufio.NewWriterSize(b.body, 64<<10)
	if _, err := b.w.WriteString(`{"assets":[`); err != nil {
		b.Close()
		return nil, fmt.Errorf("writing the batch file: %w", err)
	}
	b.pos = assetsStart
	return b, nil
}

// AddAsset appends an asset in its wire shape. An asset Marmot cannot
// take (no provider) is an error: sending the batch without it would
// delete it from the catalogue.
func (b *Batch) AddAsset(a *model.Asset) error {
	if b.sealed {
		return errors.New("batch already sealed")
	}
	w, err := toCreateAsset(a, b.syncedAt)
	if err != nil {
		return err
	}
	line, err := b.encode(w)
	if err != nil {
		return fmt.Errorf("encoding asset %q: %w", a.Name, err)
	}
	if b.assets > 0 {
		if err := b.w.WriteByte(','); err != nil {
			return fmt.Errorf("writing the batch file: %w", err)
		}
		b.pos++
	}
	b.owners.add(w.mrn(), b.pos)
	if _, err := b.w.Write(line); err != nil {
		return fmt.Errorf("writing the batch file: %w", err)
	}
	b.pos += int64(len(line))
	b.assets++
	return nil
}

// AddLineage records an edge; Seal decides whether it is sent.
func (b *Batch) AddLineage(l *model.Lineage) error {
	if b.sealed {
		return errors.New("batch already sealed")
	}
	line, err := b.encode(l) // model.Lineage is already the wire shape
	if err != nil {
		return fmt.Errorf("encoding lineage %s -> %s: %w", l.Source, l.Target, err)
	}
	return b.lineage.add(line)
}

// AddDocumentation records a document; Seal decides whether it is sent.
func (b *Batch) AddDocumentation(d *model.Documentation) error {
	if b.sealed {
		return errors.New("batch already sealed")
	}
	line, err := b.encode(documentation{AssetMRN: d.MRN, Content: d.Content, Type: d.Source})
	if err != nil {
		return fmt.Errorf("encoding documentation of %s: %w", d.MRN, err)
	}
	return b.docs.add(line)
}

// encode returns v as compact JSON without the encoder's newline. The
// result is only valid until the next call.
func (b *Batch) encode(v any) ([]byte, error) {
	b.scratch.Reset()
	if err := b.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.scratch.Bytes(), []byte{'\n'}), nil
}

// Seal finishes the body. Of assets that share an MRN only the last one
// stays (see owners; Collisions lists them). keep, when not nil, says
// which MRNs belong to kept assets: an edge is sent only if keep accepts
// both ends, a document only if it accepts its asset. After Seal the
// batch takes no more entities; after a failed Seal it cannot be opened.
func (b *Batch) Seal(keep func(mrn string) bool) error {
	if b.sealed {
		return errors.New("batch already sealed")
	}
	b.sealed = true
	if err := b.dropShadowed(); err != nil {
		return err
	}
	var err error
	if err := b.writeString(`],"lineage":[`); err != nil {
		return err
	}
	if b.lineageN, err = b.lineage.copyTo(b.w, keep, func(line []byte) ([]string, error) {
		var e struct{ Source, Target string }
		err := json.Unmarshal(line, &e)
		return []string{e.Source, e.Target}, err
	}); err != nil {
		return err
	}
	if err := b.writeString(`],"documentation":[`); err != nil {
		return err
	}
	if b.docsN, err = b.docs.copyTo(b.w, keep, func(line []byte) ([]string, error) {
		var d struct {
			AssetMRN string `json:"asset_mrn"`
		}
		err := json.Unmarshal(line, &d)
		return []string{d.AssetMRN}, err
	}); err != nil {
		return err
	}
	if err := b.writeString(`],"statistics":null,"run_history":[],"config":`); err != nil {
		return err
	}
	for _, kv := range []struct {
		key string
		v   any
	}{
		{"", b.header.Config},
		{`,"pipeline_name":`, b.header.PipelineName},
		{`,"source_name":`, b.header.SourceName},
		{`,"run_id":`, b.header.RunID},
	} {
		if err := b.writeString(kv.key); err != nil {
			return err
		}
		v, err := b.encode(kv.v)
		if err != nil {
			return fmt.Errorf("encoding the batch's config: %w", err)
		}
		if _, err := b.w.Write(v); err != nil {
			return fmt.Errorf("writing the batch file: %w", err)
		}
	}
	if err := b.writeString("}\n"); err != nil {
		return err
	}
	if err := b.w.Flush(); err != nil {
		return fmt.Errorf("writing the batch file: %w", err)
	}
	st, err := b.body.Stat()
	if err != nil {
		return err
	}
	b.size = st.Size()
	b.lineage.close()
	b.docs.close()
	return nil
}

func (b *Batch) writeString(s string) error {
	if _, err := b.w.WriteString(s); err != nil {
		return fmt.Errorf("writing the batch file: %w", err)
	}
	return nil
}

// dropShadowed rewrites the body without the assets whose MRN a later
// asset has, when there are any (rarely: the file is left alone
// otherwise).
func (b *Batch) dropShadowed() error {
	if len(b.owners.shadowed) == 0 {
		return nil
	}
	if err := b.w.Flush(); err != nil {
		return fmt.Errorf("writing the batch file: %w", err)
	}
	var err error
	if b.collisions, err = b.owners.collisions(b.body); err != nil {
		return err
	}
	old := b.body
	if b.body, err = os.CreateTemp(filepath.Dir(old.Name()), "weir-batch-*.json"); err != nil {
		b.body = old
		return fmt.Errorf("creating the batch file: %w", err)
	}
	defer func() { old.Close(); os.Remove(old.Name()) }()
	b.w = bufio.NewWriterSize(b.body, 64<<10)
	if err := b.writeString(`{"assets":[`); err != nil {
		return err
	}
	if err := b.owners.rewrite(b.w, old, assetsStart, b.pos); err != nil {
		return err
	}
	b.assets -= b.owners.dropped()
	return nil
}

// Collisions lists, once sealed, the assets that shared an MRN: only the
// last of each was kept.
func (b *Batch) Collisions() []Collision { return b.collisions }

// Assets, Lineage and Documentation count what the sealed body holds.
func (b *Batch) Assets() int        { return b.assets }
func (b *Batch) Lineage() int       { return b.lineageN }
func (b *Batch) Documentation() int { return b.docsN }

// TotalEntities is the run summary's total_entities (§5).
func (b *Batch) TotalEntities() int { return b.assets + b.lineageN + b.docsN }

// Size is the body's length in bytes once sealed.
func (b *Batch) Size() int64 { return b.size }

// Open returns a reader of the whole sealed body, from its start; each
// call gets its own reader, so the body can be sent again.
func (b *Batch) Open() (io.ReadCloser, error) {
	if err := b.ready(); err != nil {
		return nil, err
	}
	f, err := os.Open(b.body.Name())
	if err != nil {
		return nil, fmt.Errorf("reopening the batch file: %w", err)
	}
	return f, nil
}

// ready says why the batch cannot be sent, if it cannot.
func (b *Batch) ready() error {
	switch {
	case b.size == 0:
		return errors.New("batch not sealed")
	case b.assets == 0:
		return ErrEmptyBatch
	}
	return nil
}

// Close removes the batch's files. It may be called more than once.
func (b *Batch) Close() error {
	var errs []error
	if b.body != nil {
		errs = append(errs, b.body.Close(), os.Remove(b.body.Name()))
		b.body = nil
	}
	if b.lineage != nil {
		b.lineage.close()
	}
	if b.docs != nil {
		b.docs.close()
	}
	return errors.Join(ignoreClosed(errs)...)
}

// spill is a temporary file of JSON lines.
type spill struct {
	f *os.File
	w *bufio.Writer
	n int
}

func newSpill(dir, pattern string) (*spill, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("creating a spill file: %w", err)
	}
	return &spill{f: f, w: bufio.NewWriterSize(f, 32<<10)}, nil
}

func (s *spill) add(line []byte) error {
	if _, err := s.w.Write(line); err != nil {
		return fmt.Errorf("writing a spill file: %w", err)
	}
	if err := s.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("writing a spill file: %w", err)
	}
	s.n++
	return nil
}

// copyTo writes the spilled lines into w, comma-separated, skipping those
// whose MRNs keep refuses, and returns how many it wrote.
func (s *spill) copyTo(w *bufio.Writer, keep func(string) bool, mrns func([]byte) ([]string, error)) (int, error) {
	if s.n == 0 {
		return 0, nil
	}
	if err := s.w.Flush(); err != nil {
		return 0, fmt.Errorf("writing a spill file: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	r := bufio.NewReaderSize(s.f, 32<<10)
	var buf []byte
	written := 0
	for range s.n {
		line, err := readLine(r, buf[:0])
		if err != nil {
			return written, fmt.Errorf("reading a spill file: %w", err)
		}
		buf = line
		line = line[:len(line)-1] // the newline
		if keep != nil {
			ids, err := mrns(line)
			if err != nil {
				return written, fmt.Errorf("reading a spill file: %w", err)
			}
			if !all(ids, keep) {
				continue
			}
		}
		if written > 0 {
			if err := w.WriteByte(','); err != nil {
				return written, fmt.Errorf("writing the batch file: %w", err)
			}
		}
		if _, err := w.Write(line); err != nil {
			return written, fmt.Errorf("writing the batch file: %w", err)
		}
		written++
	}
	return written, nil
}

func (s *spill) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f = nil
	}
}

// readLine reads up to and including the next newline into buf, whatever
// the line's length, reusing buf's storage.
func readLine(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		part, err := r.ReadSlice('\n')
		buf = append(buf, part...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
	}
}

func all(ids []string, keep func(string) bool) bool {
	for _, id := range ids {
		if !keep(id) {
			return false
		}
	}
	return true
}

func ignoreClosed(errs []error) []error {
	out := errs[:0]
	for _, err := range errs {
		if err != nil && !errors.Is(err, os.ErrClosed) {
			out = append(out, err)
		}
	}
	return out
}
