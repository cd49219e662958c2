package host

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// logSink forwards one instance's logs, stdout and stderr to the host's
// logger, up to the Log limit; it keeps the end of stderr, where a
// crashing module says why.
type logSink struct {
	mu      sync.Mutex
	logger  *slog.Logger
	budget  int
	dropped bool
	head    []byte // the start of stderr, where Go and Rust say why they die
	tail    []byte // the end of stderr
}

const (
	tailBytes = 4 << 10 // kept of each end of stderr for error messages
	lineBytes = 4 << 10 // a longer stdout/stderr line is split
	// guestAttrs groups the attributes of a module's log records.
	guestAttrs = "attrs"
)

// allow charges n bytes to the budget; it reports false once spent, and
// says so once.
func (l *logSink) allow(n int) bool {
	if l.budget >= n {
		l.budget -= n
		return true
	}
	if !l.dropped {
		l.dropped = true
		l.logger.Warn("plugin log limit reached; dropping its further output")
	}
	return false
}

// record logs one record from the log host function: a JSON object with
// "msg" and attributes, or plain text.
func (l *logSink) record(level slog.Level, payload []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.allow(len(payload)) {
		return
	}
	var obj map[string]any
	if json.Unmarshal(payload, &obj) != nil {
		l.logger.Log(context.Background(), level, string(payload))
		return
	}
	msg, _ := obj["msg"].(string)
	delete(obj, "msg")
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	attrs := make([]any, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, slog.Any(k, obj[k]))
	}
	if len(attrs) == 0 {
		l.logger.Log(context.Background(), level, msg)
		return
	}
	// In a group of their own, a module's attributes cannot pass for the
	// host's (plugin, level, time, stream).
	l.logger.Log(context.Background(), level, msg, slog.Group(guestAttrs, attrs...))
}

// stream is a module's stdout or stderr, logged a line at a time.
type stream struct {
	sink  *logSink
	name  string
	level slog.Level
	keep  bool // keep the tail (stderr)
	line  []byte
	split bool // the line being written was too long and is logged in pieces
}

func (s *stream) Write(p []byte) (int, error) {
	n := len(p)
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	if s.keep {
		if room := tailBytes - len(s.sink.head); room > 0 {
			s.sink.head = append(s.sink.head, p[:min(room, len(p))]...)
		}
		s.sink.tail = append(s.sink.tail, p[max(0, len(p)-tailBytes):]...) // never more than 2 tails
		if over := len(s.sink.tail) - tailBytes; over > 0 {
			s.sink.tail = append(s.sink.tail[:0], s.sink.tail[over:]...)
		}
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		// Buffer at most lineBytes: a module writing long lines, or none,
		// must not make the host hold all it writes.
		for len(seg) > 0 {
			take := min(lineBytes-len(s.line), len(seg))
			s.line = append(s.line, seg[:take]...)
			seg = seg[take:]
			if len(s.line) >= lineBytes {
				s.split = true
				s.flushLocked()
			}
		}
		if i < 0 {
			break
		}
		s.flushLocked()
		s.split = false
		p = p[i+1:]
	}
	return n, nil
}

func (s *stream) flush() {
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.flushLocked()
}

func (s *stream) flushLocked() {
	if len(s.line) > 0 && s.sink.allow(len(s.line)) {
		if s.split { // a piece of a line longer than lineBytes
			s.sink.logger.Log(context.Background(), s.level, string(s.line), "stream", s.name, "continued", true)
		} else {
			s.sink.logger.Log(context.Background(), s.level, string(s.line), "stream", s.name)
		}
	}
	s.line = s.line[:0]
}

// stderrSummary picks the lines of stderr that say why a module died (a
// Go panic or fatal error, a Rust panic), else its last line. It also
// returns both ends of stderr.
func (l *logSink) stderrSummary() (summary, ends string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	tail := string(l.tail)
	ends = tail
	if string(l.head) != tail {
		ends = string(l.head) + "\n...\n" + tail
	}
	var picked []string
	for line := range strings.SplitSeq(ends, "\n") {
		for _, p := range []string{"panic:", "fatal error:", "runtime:", "thread '", "memory allocation of"} {
			if strings.HasPrefix(line, p) && !slices.Contains(picked, line) {
				picked = append(picked, line)
				break
			}
		}
	}
	if len(picked) == 0 {
		if t := strings.TrimSpace(tail); t != "" {
			lines := strings.Split(t, "\n")
			picked = lines[len(lines)-1:]
		}
	}
	return strings.Join(picked, "; "), ends
}
