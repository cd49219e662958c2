package host

import "fmt"

// ABIError refuses a module built for another plugin ABI version.
type ABIError struct {
	Module string
	Got    int // the module's ABI version
}

func (e *ABIError) Error() string {
	return fmt.Sprintf("plugin %s was built for plugin ABI v%d, but this host runs ABI v%d modules: rebuild it against an SDK for ABI v%d",
		e.Module, e.Got, ABIVersion, ABIVersion)
}

// PolicyError stops a module that tried to reach the network in a way the
// policy forbids: an endpoint its config does not name, a forbidden
// address, or without declaring the network capability.
type PolicyError struct {
	Module string
	Addr   string // as the module asked for it
	Reason string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("plugin %s: dial %s refused: %s", e.Module, e.Addr, e.Reason)
}

// CrashError reports a module that trapped (e.g. unreachable, a Go
// panic) or exited during a call.
type CrashError struct {
	Module string
	Call   string // the export that was running
	Cause  string
	Stderr string // the end of what the module wrote to stderr
}

func (e *CrashError) Error() string {
	msg := fmt.Sprintf("plugin %s crashed in %s: %s", e.Module, e.Call, e.Cause)
	if e.Stderr != "" {
		msg += "\nmodule stderr (end):\n" + e.Stderr
	}
	return msg
}

// ProtocolError reports a module that broke ABI v1's rules, e.g. a buffer
// out of its memory or a malformed batch.
type ProtocolError struct {
	Module string
	Detail string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("plugin %s broke plugin ABI v%d: %s", e.Module, ABIVersion, e.Detail)
}
