package main

import (
	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// quietCertStartup logs at info two errors cert-controller's rotator logs
// at nearly every start while it makes the webhook certificate, both
// retried by the rotator itself and nothing a user can act on: a conflict
// on its first write of the Secret (another writer got there first), and
// the Secret seen before the CA is in it. An error line in a normal start
// reads as something to fix and hides the real ones.
func quietCertStartup(l logr.Logger) logr.Logger {
	inner := l.GetSink()
	if cd, ok := inner.(logr.CallDepthLogSink); ok {
		inner = cd.WithCallDepth(1) // this wrapper's own frame
	}
	return logr.New(certStartupSink{LogSink: inner})
}

type certStartupSink struct {
	logr.LogSink
	name string // the logger's full name, e.g. "cert-rotation"
}

// Init is a no-op: the wrapped sink was initialised when it was made.
func (certStartupSink) Init(logr.RuntimeInfo) {}

func (s certStartupSink) WithName(name string) logr.LogSink {
	full := name
	if s.name != "" {
		full = s.name + "/" + name
	}
	return certStartupSink{LogSink: s.LogSink.WithName(name), name: full}
}

func (s certStartupSink) WithValues(kv ...any) logr.LogSink {
	return certStartupSink{LogSink: s.LogSink.WithValues(kv...), name: s.name}
}

func (s certStartupSink) WithCallDepth(depth int) logr.LogSink {
	if cd, ok := s.LogSink.(logr.CallDepthLogSink); ok {
		return certStartupSink{LogSink: cd.WithCallDepth(depth), name: s.name}
	}
	return s
}

func (s certStartupSink) Error(err error, msg string, kv ...any) {
	if s.name == "cert-rotation" && expectedAtCertStart(err, msg) {
		if s.Enabled(0) {
			s.Info(0, msg, append(kv, "error", err.Error(), "expected", "while the webhook certificate is made; retried")...)
		}
		return
	}
	s.LogSink.Error(err, msg, kv...)
}

// expectedAtCertStart matches the rotator's two start-up messages
// (cert-controller pkg/rotator) and only them.
func expectedAtCertStart(err error, msg string) bool {
	switch msg {
	case "could not refresh CA and server certs":
		return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
	case "secret is not well-formed, cannot update webhook configurations":
		return true
	}
	return false
}
