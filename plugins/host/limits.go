package host

import (
	"fmt"
	"time"
)

// Limits bound what one module may use. Zero fields take the defaults.
type Limits struct {
	// Memory is the most linear memory an instance may grow to, rounded
	// up to 64 KiB pages. Default 256 MiB.
	Memory uint64
	// CallTime bounds an instance's start, Describe and Validate.
	// Default 1 minute.
	CallTime time.Duration
	// RunTime bounds one Discover, start to end, including the time the
	// emit callback takes. Default 1 hour.
	RunTime time.Duration
	// Output bounds the bytes of all batches one Discover emits.
	// Default 1 GiB.
	Output int64
	// Batch bounds one emitted batch and any other buffer the module
	// hands over. Default 16 MiB.
	Batch uint32
	// Log bounds the log, stdout and stderr bytes an instance may write;
	// the rest is dropped, not fatal. Default 1 MiB.
	Log int
}

// DefaultLimits are the limits a zero Limits field takes.
var DefaultLimits = Limits{
	Memory:   256 << 20,
	CallTime: time.Minute,
	RunTime:  time.Hour,
	Output:   1 << 30,
	Batch:    16 << 20,
	Log:      1 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.Memory == 0 {
		l.Memory = d.Memory
	}
	if l.CallTime <= 0 {
		l.CallTime = d.CallTime
	}
	if l.RunTime <= 0 {
		l.RunTime = d.RunTime
	}
	if l.Output <= 0 {
		l.Output = d.Output
	}
	if l.Batch == 0 {
		l.Batch = d.Batch
	}
	if l.Log <= 0 {
		l.Log = d.Log
	}
	return l
}

// memoryPages is Memory in wasm pages, capped at the 4 GiB of wasm32.
func (l Limits) memoryPages() uint32 {
	const page, maxPages = 1 << 16, 1 << 16
	p := (l.Memory + page - 1) / page
	if p > maxPages {
		p = maxPages
	}
	return uint32(p)
}

// Limit names a limit in a LimitError.
type Limit string

const (
	LimitMemory   Limit = "memory limit"
	LimitCallTime Limit = "wall-time limit per call"
	LimitRunTime  Limit = "wall-time limit per run"
	LimitOutput   Limit = "output limit"
	LimitBatch    Limit = "batch size limit"
	LimitTable    Limit = "table size limit"
)

// LimitError says that a limit stopped a module, and which.
type LimitError struct {
	Module string // the module's id, or its digest before it described itself
	Limit  Limit
	Value  string // the limit's value, e.g. "256 MiB" or "30s"
	Detail string // what the module was doing or needed
}

func (e *LimitError) Error() string {
	msg := fmt.Sprintf("plugin %s: stopped by the %s (%s)", e.Module, e.Limit, e.Value)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// bytesString prints a byte count in the largest binary unit that keeps
// it readable, as limits are usually round numbers.
func bytesString(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
