package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/source"
)

func TestBatcherSplitsByCountAndBytes(t *testing.T) {
	var sizes []int
	var total int
	b := newBatcher(func(batch []byte) error {
		var items []model.Item
		if err := json.Unmarshal(batch, &items); err != nil {
			t.Fatalf("batch is not a JSON array of items: %v", err)
		}
		if len(batch) > BatchBytes+64<<10 {
			t.Errorf("batch of %d bytes; want about %d at most", len(batch), BatchBytes)
		}
		sizes = append(sizes, len(items))
		total += len(items)
		return nil
	})
	for i := range 1200 {
		if err := b.Asset(NewAsset("Table", "Test", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[500 500 200]" {
		t.Errorf("batch sizes %v; want [500 500 200]", sizes)
	}
	sizes = nil
	big := strings.Repeat("x", 300<<10)
	for range 10 {
		a := NewAsset("Table", "Test", "big")
		a.Description = &big
		if err := b.Asset(a); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.Flush()
	if len(sizes) < 3 || total != 1210 {
		t.Errorf("10 assets of 300 KiB came in batches %v (total %d); want split at %d bytes", sizes, total, BatchBytes)
	}
	if err := b.Flush(); err != nil || len(sizes) > 4 {
		t.Errorf("an empty Flush sent a batch or failed: %v", err)
	}
}

func TestBatcherErrorIsSticky(t *testing.T) {
	down := errors.New("host said no")
	calls := 0
	b := newBatcher(func([]byte) error { calls++; return down })
	_ = b.Statistic(model.Statistic{AssetMRN: "m", MetricName: "rows", Value: 1})
	if err := b.Flush(); !errors.Is(err, down) {
		t.Fatalf("Flush = %v; want %v", err, down)
	}
	if err := b.Documentation(model.Documentation{MRN: "m"}); !errors.Is(err, down) || calls != 1 {
		t.Errorf("after a failed send: err %v, %d sends; want the same error and no new send", err, calls)
	}
}

type fake struct {
	validate error
	discover func(e Emitter) error
}

func (fake) Describe() model.Description {
	return model.Description{ID: "fake", Version: "1", ConfigSchema: map[string]any{}}
}
func (f fake) Validate(json.RawMessage) error { return f.validate }
func (f fake) Discover(_ context.Context, _ json.RawMessage, e Emitter) error {
	return f.discover(e)
}

func TestLocal(t *testing.T) {
	ctx := context.Background()
	src := Local(fake{discover: func(e Emitter) error {
		db := NewAsset("Database", "PostgreSQL", "Shop")
		if err := e.Asset(db); err != nil {
			return err
		}
		if err := e.Flush(); err != nil {
			return err
		}
		return e.Lineage(Contains(db.MRN, MRN("Table", "PostgreSQL", "My Orders")))
	}})
	d, _ := src.Describe(ctx)
	if d.ABI != ABIVersion {
		t.Errorf("ABI = %d; want %d", d.ABI, ABIVersion)
	}
	var batches [][]model.Item
	err := src.Discover(ctx, nil, func(items []model.Item) error { batches = append(batches, items); return nil })
	if err != nil || len(batches) != 2 {
		t.Fatalf("Discover: %d batches, %v; want 2", len(batches), err)
	}
	if a := batches[0][0].Asset; a == nil || a.MRN != "mrn://database/postgresql/shop" || a.Providers[0] != "PostgreSQL" {
		t.Errorf("asset = %+v", a)
	}
	if l := batches[1][0].Lineage; l == nil || l.Target != "mrn://table/postgresql/my-orders" || l.Type != "CONTAINS" {
		t.Errorf("lineage = %+v", l)
	}

	var se *source.Error
	err = Local(fake{validate: Errorf("host: required")}).Validate(ctx, nil)
	if !errors.As(err, &se) || se.Message != "host: required" || se.Retryable {
		t.Errorf("Validate = %#v; want a non-retryable source.Error", err)
	}
	err = Local(fake{discover: func(Emitter) error {
		return fmt.Errorf("connecting: %w", Retryable(errors.New("refused")))
	}}).Discover(ctx, nil, func([]model.Item) error { return nil })
	if !errors.As(err, &se) || se.Message != "connecting: refused" || !se.Retryable {
		t.Errorf("Discover = %#v; want a retryable source.Error", err)
	}
	sinkDown := errors.New("sink down")
	err = Local(fake{discover: func(e Emitter) error {
		_ = e.Asset(NewAsset("Table", "T", "x"))
		return fmt.Errorf("wrapped: %w", e.Flush())
	}}).Discover(ctx, nil, func([]model.Item) error { return sinkDown })
	if err != sinkDown { //nolint:errorlint // the contract is the emit error itself, unwrapped
		t.Errorf("Discover with a failing emit = %v; want the emit error unchanged", err)
	}
}

func TestTimeoutsAreRetryable(t *testing.T) {
	_, retry := toWire(&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded})
	if !retry {
		t.Error("a net timeout is not retryable")
	}
	if _, retry := toWire(errors.New("syntax error")); retry {
		t.Error("a plain error is retryable")
	}
}

func TestNativeDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = io.Copy(c, c)
			c.Close()
		}
	}()
	hosts, _ := LookupHost(context.Background(), "db.example.com")
	if len(hosts) != 1 || hosts[0] != "db.example.com" {
		t.Errorf("LookupHost = %v; want the name unchanged", hosts)
	}
	d := &Dialer{Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Errorf("echo = %q, %v", buf, err)
	}
}

func TestHostHandler(t *testing.T) {
	type rec struct {
		level slog.Level
		obj   map[string]any
	}
	var got []rec
	l := slog.New(newHostHandler(func(level slog.Level, b []byte) {
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			t.Fatalf("record %q is not JSON: %v", b, err)
		}
		got = append(got, rec{level, obj})
	}))
	l.Debug("hello", "n", 1)
	l.With("db", "shop").WithGroup("q").Warn("slow", "ms", 1500)
	if len(got) != 2 || got[0].level != slog.LevelDebug || got[0].obj["msg"] != "hello" || got[0].obj["n"] != 1.0 {
		t.Fatalf("records = %+v", got)
	}
	if _, ok := got[0].obj["time"]; ok {
		t.Error("the record carries a time; the host adds its own")
	}
	q, _ := got[1].obj["q"].(map[string]any)
	if got[1].level != slog.LevelWarn || got[1].obj["db"] != "shop" || q["ms"] != 1500.0 {
		t.Errorf("record = %+v", got[1])
	}
}
