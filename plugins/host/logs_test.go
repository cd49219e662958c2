package host

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// jsonSink is a logSink writing JSON records to a buffer, as a module's
// instance logger does (with plugin=<id>).
func jsonSink(budget int) (*logSink, *bytes.Buffer) {
	buf := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})).With("plugin", "real")
	return &logSink{logger: logger, budget: budget}, buf
}

func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("record %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// A module's log attributes are grouped under attrs, so they cannot pose
// as the host's plugin, level, time or stream.
func TestGuestLogAttributesCannotSpoofTheHosts(t *testing.T) {
	sink, buf := jsonSink(1 << 20)
	sink.record(slog.LevelInfo, []byte(`{"msg":"hello","plugin":"postgresql","level":"ERROR","time":"1999-01-01T00:00:00Z","stream":"stderr","table":"orders"}`))
	sink.record(slog.LevelDebug, []byte(`{"msg":"bare"}`))
	rs := records(t, buf)
	if len(rs) != 2 {
		t.Fatalf("%d records, want 2:\n%s", len(rs), buf)
	}
	r := rs[0]
	if r["plugin"] != "real" || r["level"] != "INFO" || r["time"] == "1999-01-01T00:00:00Z" || r["stream"] != nil || r["msg"] != "hello" {
		t.Errorf("the module's attributes replaced the host's: %v", r)
	}
	attrs, _ := r[guestAttrs].(map[string]any)
	want := map[string]any{"plugin": "postgresql", "level": "ERROR", "time": "1999-01-01T00:00:00Z", "stream": "stderr", "table": "orders"}
	for k, v := range want {
		if attrs[k] != v {
			t.Errorf("attrs.%s = %v, want %v (record %v)", k, attrs[k], v, r)
		}
	}
	if _, ok := rs[1][guestAttrs]; ok || rs[1]["msg"] != "bare" || rs[1]["level"] != "DEBUG" {
		t.Errorf("a record without attributes: %v", rs[1])
	}
}

// Output without newlines is logged in pieces of lineBytes, marked
// continued, and the host never buffers more than a piece of it (nor more
// than a few tails of stderr), however much the module writes at once.
func TestStreamWithoutNewlinesIsFlushedInPieces(t *testing.T) {
	sink, buf := jsonSink(1 << 20)
	s := &stream{sink: sink, name: "stderr", level: slog.LevelWarn, keep: true}
	chunk := bytes.Repeat([]byte("x"), 8<<20) // 8 MiB, no newline
	for range 3 {
		if n, err := s.Write(chunk); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		if cap(s.line) > lineBytes || cap(sink.tail) > 4*tailBytes {
			t.Fatalf("buffered %d bytes of the line and %d of the tail; want at most %d and %d", cap(s.line), cap(sink.tail), lineBytes, 4*tailBytes)
		}
	}
	mustWrite(t, s, []byte("end\nnext line\n"))
	rs := records(t, buf)
	var pieces int
	for _, r := range rs {
		if r["continued"] == true {
			pieces++
			if len(r["msg"].(string)) > lineBytes {
				t.Errorf("a piece of %d bytes, want at most %d", len(r["msg"].(string)), lineBytes)
			}
		}
	}
	// The 1 MiB budget holds 256 pieces; then one warning, the rest dropped.
	if pieces != (1<<20)/lineBytes || !strings.Contains(buf.String(), "plugin log limit reached") {
		t.Errorf("%d continued pieces, want %d, then the log limit warning", pieces, (1<<20)/lineBytes)
	}

	// Within the budget, a long line arrives whole, in order, in pieces,
	// and the next line is not marked.
	sink, buf = jsonSink(1 << 20)
	s = &stream{sink: sink, name: "stdout", level: slog.LevelInfo}
	long := strings.Repeat("abcdefgh", lineBytes/8*2+10)
	mustWrite(t, s, []byte(long[:100]))
	mustWrite(t, s, []byte(long[100:]+"\nshort\n"))
	rs = records(t, buf)
	var got strings.Builder
	for _, r := range rs[:len(rs)-1] {
		if r["continued"] != true {
			t.Errorf("a piece not marked continued: %.80v", r)
		}
		got.WriteString(r["msg"].(string))
	}
	if got.String() != long || len(rs) != 4 {
		t.Errorf("%d records; the pieces do not add up to the line", len(rs))
	}
	if last := rs[len(rs)-1]; last["msg"] != "short" || last["continued"] != nil {
		t.Errorf("the next line: %v", last)
	}
}

// mustWrite writes p to s, which never fails: a stream buffers or logs.
func mustWrite(t *testing.T, s *stream, p []byte) {
	t.Helper()
	if n, err := s.Write(p); n != len(p) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(p))
	}
}
