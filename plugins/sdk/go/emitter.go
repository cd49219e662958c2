package sdk

import (
	"fmt"

	"github.com/weir-dev/weir/plugins/model"
)

// Emitter receives what Discover finds. Items are buffered and sent to
// the host in batches, so neither side holds the whole catalogue.
type Emitter interface {
	Emit(items ...model.Item) error
	Asset(a model.Asset) error
	Lineage(l model.Lineage) error
	Documentation(d model.Documentation) error
	Statistic(s model.Statistic) error
	// Flush sends the buffered items now, ending the current batch.
	// Discover's caller flushes once more after Discover returns.
	Flush() error
}

// Batch thresholds: a batch is sent once it holds this many items or
// bytes. They stay well under the host's default batch limit (16 MiB).
const (
	BatchItems = 500
	BatchBytes = 1 << 20
)

// batcher encodes items into a JSON array and hands each full array to
// send. An error from send is sticky: the host stops discovery on it.
type batcher struct {
	send    func([]byte) error
	buf     []byte
	scratch []byte // one item's encoding, reused
	items   int
	err     error
}

func newBatcher(send func([]byte) error) *batcher {
	return &batcher{send: send, buf: []byte{'['}}
}

func (b *batcher) Emit(items ...model.Item) error {
	for i := range items {
		if b.err != nil {
			return b.err
		}
		data, err := appendItem(b.scratch[:0], &items[i])
		if err != nil {
			return fmt.Errorf("encoding item: %w", err)
		}
		b.scratch = data
		if b.items > 0 && len(b.buf)+len(data)+1 > BatchBytes {
			if err := b.Flush(); err != nil {
				return err
			}
		}
		if b.items > 0 {
			b.buf = append(b.buf, ',')
		}
		b.buf = append(b.buf, data...)
		b.items++
		if b.items >= BatchItems || len(b.buf) >= BatchBytes {
			if err := b.Flush(); err != nil {
				return err
			}
		}
	}
	return b.err
}

func (b *batcher) Flush() error {
	if b.err != nil || b.items == 0 {
		return b.err
	}
	b.buf = append(b.buf, ']')
	b.err = b.send(b.buf)
	b.buf, b.items = b.buf[:1], 0
	return b.err
}

func (b *batcher) Asset(a model.Asset) error { return b.Emit(model.Item{Asset: &a}) }

func (b *batcher) Lineage(l model.Lineage) error { return b.Emit(model.Item{Lineage: &l}) }

func (b *batcher) Documentation(d model.Documentation) error {
	return b.Emit(model.Item{Documentation: &d})
}

func (b *batcher) Statistic(s model.Statistic) error { return b.Emit(model.Item{Statistic: &s}) }
