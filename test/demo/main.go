// Command demo (make demo) runs the chart's guided mode on this machine for
// a browser. This machine has no container runtime, so a kwok cluster fakes
// the pods and local processes do what they would: Caddy (configured from
// what Weir renders for the chart's Caddy), an OpenID Connect provider with
// three users in place of Dex (guided.oidc.issuerURL), the weir manager, and
// a Jupyter for each running Workspace. It installs the chart for two
// teams, creates a Workspace as alice, prints where to open it, and runs
// until Ctrl-C. It stops only its own processes: the cluster stays
// (make cluster-down CLUSTER=weir-demo deletes it).
//
// K8S_BIN, WEIR and HELM name the control plane, bin/weir and helm, as for
// make test-e2e; Caddy and the provider come from hack/caddy.sh and
// hack/oidc-provider.sh (make demo builds them first).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

const (
	clusterName = "weir-demo"
	namespace   = "weir-system"
	release     = "weir"
	// Weir's client at the provider; local only.
	clientID     = "weir"
	clientSecret = "weir-demo-client-secret"
)

var logOut io.Writer = os.Stderr

func main() { os.Exit(run()) }

func run() (code int) {
	// The demo talks to the user itself; the clients' own logging would
	// only print controller-runtime's "SetLogger was never called".
	ctrllog.SetLogger(logr.Discard())
	t := newTB("demo")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				t.close()
				panic(r)
			}
			if ctx.Err() != nil {
				fmt.Fprintln(logOut, "demo: interrupted")
				code = 130
			} else {
				fmt.Fprintf(logOut, "demo: %s\n", f.msg)
				code = 1
			}
		}
		t.close()
		fmt.Fprintf(logOut, "demo: stopped. The cluster %s is still there (its Workspaces too): `make demo` again picks it up; `make cluster-down CLUSTER=%s` deletes it.\n", clusterName, clusterName)
	}()
	for _, v := range []string{"K8S_BIN", "WEIR", "HELM"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set: run `make demo` (or K8S_BIN=$(hack/control-plane.sh) WEIR=$PWD/bin/weir HELM=$(hack/helm.sh) go run ./test/demo)", v)
		}
	}
	d := &demo{t: t, ctx: ctx}
	d.start()
	<-ctx.Done()
	fmt.Fprintln(logOut, "\ndemo: stopping the local processes…")
	return 0
}
