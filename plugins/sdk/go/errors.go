package sdk

import (
	"errors"
	"fmt"
)

// Error is a plugin failure the host reports as a source.Error: a message
// and whether retrying the run may help.
type Error struct {
	Message   string
	Retryable bool
	Err       error // the cause, if any; not sent to the host
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a non-retryable error, e.g. a config mistake.
func Errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Message: err.Error(), Err: errors.Unwrap(err)}
}

// Retryable marks err as one a later retry may fix, e.g. a connection
// refused or a timeout. It returns nil for nil.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Message: err.Error(), Retryable: true, Err: err}
}

// toWire converts any error to the message and retry hint sent to the
// host. Errors that are not *Error are not retryable unless they say they
// are temporary timeouts (net.Error), which a retry usually fixes.
func toWire(err error) (msg string, retryable bool) {
	var e *Error
	if errors.As(err, &e) {
		return err.Error(), e.Retryable
	}
	var t interface{ Timeout() bool }
	return err.Error(), errors.As(err, &t) && t.Timeout()
}
