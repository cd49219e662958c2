//go:build e2e

// Package e2e drives Weir on a kwok cluster (real kube-apiserver, etcd,
// controller-manager and scheduler; fake nodes) with the real kubectl, as a
// user would. `make test-e2e` builds what it needs.
package e2e

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var (
	root       string
	kubeconfig string
	operator   *exec.Cmd
	cancel     context.CancelFunc
)

// clusterName is the suite's kwok cluster: weir-e2e, or E2E_CLUSTER so two
// runs of the suite on one machine do not share (and tear down) one cluster.
var clusterName = cmp.Or(os.Getenv("E2E_CLUSTER"), "weir-e2e")

// workspaceURLBase is the manager's --workspace-url-base in the e2e suite.
const workspaceURLBase = "https://ide.e2e.test/"

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Weir e2e (kwok)")
}

var _ = BeforeSuite(func() {
	for _, v := range []string{"K8S_BIN", "WEIR"} {
		Expect(os.Getenv(v)).NotTo(BeEmpty(), "%s is not set: run `make test-e2e`", v)
	}
	var err error
	root, err = filepath.Abs(filepath.Join("..", ".."))
	Expect(err).NotTo(HaveOccurred())
	Expect(os.Setenv("PATH", os.Getenv("K8S_BIN")+string(os.PathListSeparator)+os.Getenv("PATH"))).To(Succeed())

	out, err := exec.Command(filepath.Join(root, "hack", "cluster.sh"), "up", clusterName).Output()
	Expect(err).NotTo(HaveOccurred(), "cluster up: %s", exitStderr(err))
	kubeconfig = strings.TrimSpace(string(out))
	Expect(os.Setenv("KUBECONFIG", kubeconfig)).To(Succeed())
	DeferCleanup(func() {
		_ = exec.Command(filepath.Join(root, "hack", "cluster.sh"), "down", clusterName).Run()
	})

	kubectl("apply", "--server-side", "-f", filepath.Join(root, "config", "crd", "bases"))
	kubectl("wait", "--for=condition=Established", "crd/runs.runs.marmotdata.io", "crd/policybundles.policies.weir.dev", "--timeout=60s")
	// Webhooks by URL on localhost, as `make run` installs them (the kwok
	// API server runs on this host), on free ports: a `make run` or another
	// suite may hold 9443, 8080 and 8081. Weir makes their certificate.
	webhookPort, metricsPort, healthPort := freePort(), freePort(), freePort()
	kubectl("create", "namespace", "weir-system")
	kubectl("apply", "-f", localWebhooks(webhookPort))

	startPluginServer()
	certDir, err := os.MkdirTemp("", "weir-e2e-certs-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { _ = os.RemoveAll(certDir) })
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	operator = exec.CommandContext(ctx, os.Getenv("WEIR"), "manager",
		"--image=ghcr.io/weir-dev/weir:e2e", "--marmot-url=http://marmot:8080",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", healthPort),
		fmt.Sprintf("--access-bind-address=127.0.0.1:%d", freePort()), "--access-secret=weir-system/weir-local-access",
		"--webhook-host=127.0.0.1", fmt.Sprintf("--webhook-port=%d", webhookPort), "--webhook-cert-dir="+certDir,
		"--webhook-certs=self-signed", "--webhook-secret=weir-system/weir-local-webhook-cert", "--webhook-dns-name=localhost",
		"--validating-webhook-configuration=weir-local-validating", "--mutating-webhook-configuration=weir-local-mutating",
		"--workspace-url-base="+workspaceURLBase)
	operator.Stdout, operator.Stderr = GinkgoWriter, GinkgoWriter
	Expect(operator.Start()).To(Succeed())
	DeferCleanup(func() { cancel(); _ = operator.Wait() })
	Eventually(func() (int, error) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort))
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}, 60*time.Second, 200*time.Millisecond).Should(Equal(http.StatusOK), "operator not ready: are its webhooks serving?")
})

// freePort is a port nothing listens on now, from the kernel.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// localWebhooks writes config/webhook/local with its webhooks on port (the
// file says 9443, as hack/run.sh and hack/bench-scale.sh rewrite it too) and
// returns the file's path.
func localWebhooks(port int) string {
	b, err := os.ReadFile(filepath.Join(root, "config", "webhook", "local", "manifests.yaml"))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	const url = "https://localhost:9443/"
	ExpectWithOffset(1, string(b)).To(ContainSubstring(url))
	out := filepath.Join(GinkgoT().TempDir(), "webhooks.yaml")
	rendered := strings.ReplaceAll(string(b), url, fmt.Sprintf("https://localhost:%d/", port))
	ExpectWithOffset(1, os.WriteFile(out, []byte(rendered), 0o600)).To(Succeed())
	return out
}

// kubectl runs the real kubectl and fails the spec if it fails.
func kubectl(args ...string) string {
	out, err := kubectlErr(args...)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "kubectl %s: %s", strings.Join(args, " "), out)
	return out
}

func kubectlErr(args ...string) (string, error) {
	var buf bytes.Buffer
	cmd := exec.Command("kubectl", args...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

func kubectlStdin(stdin string, args ...string) string {
	var buf bytes.Buffer
	cmd := exec.Command("kubectl", args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	ExpectWithOffset(1, cmd.Run()).To(Succeed(), "kubectl %s: %s", strings.Join(args, " "), buf.String())
	return buf.String()
}

func exitStderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return fmt.Sprint(err)
}

func kubectlErrStdin(stdin string, args ...string) (string, error) {
	var buf bytes.Buffer
	cmd := exec.Command("kubectl", args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}
