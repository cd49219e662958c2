// Command describe prints a source module's description as JSON; `make
// plugins` stores it next to each built-in module, so the operator knows
// the built-ins' config schemas without compiling their modules.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/weir-dev/weir/plugins/describe"
	"github.com/weir-dev/weir/plugins/host"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: describe MODULE.wasm")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "describe:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	ctx := context.Background()
	wasm, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	d, err := describe.InProcess(host.Options{})(ctx, wasm, host.Limits{})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
