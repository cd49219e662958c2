package sdk

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
)

// hostHandler sends each record to the host as a JSON object: "msg" and
// the attributes, with slog's level number passed beside it.
type hostHandler struct {
	slog.Handler
	w *recordWriter
}

type recordWriter struct {
	mu    sync.Mutex
	level slog.Level
	send  func(level slog.Level, record []byte)
}

func (w *recordWriter) Write(p []byte) (int, error) {
	w.send(w.level, bytes.TrimSpace(p))
	return len(p), nil
}

func newHostHandler(send func(slog.Level, []byte)) *hostHandler {
	w := &recordWriter{send: send}
	return &hostHandler{w: w, Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug, // the host filters
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{} // the host adds its own
			}
			return a
		},
	})}
}

func (h *hostHandler) Handle(ctx context.Context, r slog.Record) error {
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	h.w.level = r.Level
	return h.Handler.Handle(ctx, r)
}

func (h *hostHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &hostHandler{Handler: h.Handler.WithAttrs(as), w: h.w}
}

func (h *hostHandler) WithGroup(name string) slog.Handler {
	return &hostHandler{Handler: h.Handler.WithGroup(name), w: h.w}
}
