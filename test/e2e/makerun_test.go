//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// `make run` (hack/run.sh) as a newcomer uses it, on a kwok cluster of its
// own, then the README's `helm install` on the same cluster.
var _ = Describe("make run", Ordered, func() {
	const cluster = "weir-e2e-run"
	var kc string // make run's cluster

	BeforeAll(func() {
		Expect(os.Getenv("HELM")).NotTo(BeEmpty(), "HELM is not set: run `make test-e2e`")
		kc = filepath.Join(root, ".cache", "kwok", cluster+".kubeconfig")
		DeferCleanup(func() {
			_ = exec.Command(filepath.Join(root, "hack", "cluster.sh"), "down", cluster).Run()
		})
	})

	It("refuses a cluster that KUBECONFIG names unless ALLOW_CLUSTER=1, before writing anything", func() {
		// The suite's cluster: not make run's own.
		// Bounded: a make run that goes ahead runs the operator until stopped.
		ctx, stop := context.WithTimeout(context.Background(), 2*time.Minute)
		defer stop()
		cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "run.sh"), cluster)
		cmd.Env = append(runEnv(), "KUBECONFIG="+kubeconfig)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		Expect(errors.As(err, &exit)).To(BeTrue(), "want exit status 1, got %v: %s", err, out)
		Expect(exit.ExitCode()).To(Equal(1))
		Expect(string(out)).To(ContainSubstring("KUBECONFIG is set (" + kubeconfig))
		Expect(string(out)).To(ContainSubstring("make run ALLOW_CLUSTER=1"))
		Expect(string(out)).To(ContainSubstring("server-side apply Weir's CRDs"))
		Expect(string(out)).NotTo(ContainSubstring("installing"))
	})

	It("takes free ports, keeps admission on, and deletes its webhooks on SIGTERM", func() {
		// Whatever else on this machine holds the default ports.
		for _, p := range []int{9443, 8080, 8081} {
			if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
				DeferCleanup(l.Close)
			}
		}
		mr := startMakeRun(cluster)
		Expect(mr.health).NotTo(BeElementOf(8081, 8080, 9443))
		url := kubectlIn(kc, "get", "validatingwebhookconfiguration", "weir-local-validating",
			"-o", "jsonpath={.webhooks[0].clientConfig.url}")
		Expect(url).To(MatchRegexp(`^https://localhost:\d+/validate/runs$`))
		Expect(url).NotTo(ContainSubstring(":9443/"))
		// The webhooks answer on the port make run picked.
		Eventually(func() string {
			out, _ := kubectlInStdin(kc, leakyRun, "apply", "-n", "default", "-f", "-", "--dry-run=server")
			return out
		}, 60*time.Second, time.Second).Should(ContainSubstring("(policy runs.literal-secret)"))

		Expect(mr.cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())
		mr.wait()
		Expect(mr.output()).To(ContainSubstring("deleting the webhook configurations weir-local-validating and weir-local-mutating"))
		expectGone(kc, "validatingwebhookconfiguration/weir-local-validating", "mutatingwebhookconfiguration/weir-local-mutating")
	})

	It("deletes its webhooks on Ctrl-C (SIGINT to the process group)", func() {
		mr := startMakeRun(cluster)
		Expect(kubectlIn(kc, "get", "validatingwebhookconfiguration", "weir-local-validating", "-o", "name")).To(ContainSubstring("weir-local-validating"))
		Expect(syscall.Kill(-mr.cmd.Process.Pid, syscall.SIGINT)).To(Succeed())
		mr.wait()
		expectGone(kc, "validatingwebhookconfiguration/weir-local-validating", "mutatingwebhookconfiguration/weir-local-mutating")
	})

	It("leaves the cluster so that the README's helm install works, and make run still runs beside it", func() {
		helm := exec.Command(os.Getenv("HELM"), "install", "weir", filepath.Join(root, "charts", "weir"),
			"-n", "weir-system", "--create-namespace", "--kubeconfig", kc,
			"--set", "operator.marmot.url=http://marmot.marmot.svc:8080")
		tmp := GinkgoT().TempDir()
		helm.Env = append(runEnv(), "HELM_CONFIG_HOME="+filepath.Join(tmp, "config"),
			"HELM_CACHE_HOME="+filepath.Join(tmp, "cache"), "HELM_DATA_HOME="+filepath.Join(tmp, "data"))
		out, err := helm.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "helm install after make run: %s", out)

		// make run's objects have names of their own: it neither trips on
		// the installed ones nor touches them.
		mr := startMakeRun(cluster)
		Expect(syscall.Kill(-mr.cmd.Process.Pid, syscall.SIGINT)).To(Succeed())
		mr.wait()
		expectGone(kc, "validatingwebhookconfiguration/weir-local-validating", "mutatingwebhookconfiguration/weir-local-mutating")
		svc := kubectlIn(kc, "get", "validatingwebhookconfiguration", "weir-validating",
			"-o", "jsonpath={.webhooks[0].clientConfig.service.name}")
		Expect(svc).To(Equal("weir-webhook"), "the chart's webhook configuration")
		Expect(kubectlIn(kc, "get", "secret", "-n", "weir-system", "weir-webhook-cert",
			"-o", "jsonpath={.metadata.annotations.meta\\.helm\\.sh/release-name}")).To(Equal("weir"))
	})
})

const leakyRun = `apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: leaky}
spec:
  runs:
    - postgresql: {host: db.example.com, user: reader, password: hunter2}
`

// makeRun is hack/run.sh running in its own process group, as a terminal's
// foreground job is.
type makeRun struct {
	cmd    *exec.Cmd
	log    string
	done   chan error
	health int // the probe port it picked
}

// runEnv is the test's environment without what would change make run's
// choices.
func runEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "KUBECONFIG", "ALLOW_CLUSTER", "WEBHOOKS", "WEBHOOK_PORT", "METRICS_PORT", "HEALTH_PORT":
			continue
		}
		env = append(env, kv)
	}
	return env
}

var probeLine = regexp.MustCompile(`probes\s+http://127\.0\.0\.1:(\d+)/readyz`)

// startMakeRun starts hack/run.sh without KUBECONFIG and waits until the
// operator it started is ready.
func startMakeRun(cluster string) *makeRun {
	mr := &makeRun{log: filepath.Join(GinkgoT().TempDir(), "make-run.log"), done: make(chan error, 1)}
	f, err := os.Create(mr.log)
	Expect(err).NotTo(HaveOccurred())
	mr.cmd = exec.Command(filepath.Join(root, "hack", "run.sh"), cluster)
	mr.cmd.Env = runEnv()
	mr.cmd.Stdout, mr.cmd.Stderr = f, f
	mr.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	Expect(mr.cmd.Start()).To(Succeed())
	go func() { mr.done <- mr.cmd.Wait(); f.Close() }()
	DeferCleanup(func() {
		// A failed spec must not leave it running.
		_ = syscall.Kill(-mr.cmd.Process.Pid, syscall.SIGKILL)
		fmt.Fprintf(GinkgoWriter, "make run output:\n%s\n", mr.output())
	})

	Eventually(func() string {
		Expect(mr.done).NotTo(Receive(), "make run exited:\n%s", mr.output())
		m := probeLine.FindStringSubmatch(mr.output())
		if m == nil {
			return ""
		}
		return m[1]
	}, 3*time.Minute, 200*time.Millisecond).ShouldNot(BeEmpty(), "make run printed no probe address:\n%s", mr.output())
	mr.health, _ = strconv.Atoi(probeLine.FindStringSubmatch(mr.output())[1])
	Eventually(func() (int, error) {
		Expect(mr.done).NotTo(Receive(), "make run exited:\n%s", mr.output())
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", mr.health))
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}, 60*time.Second, 200*time.Millisecond).Should(Equal(http.StatusOK), "make run's operator is not ready:\n%s", mr.output())
	return mr
}

func (mr *makeRun) output() string {
	b, _ := os.ReadFile(mr.log)
	return string(b)
}

// wait waits for make run to finish its cleanup and exit.
func (mr *makeRun) wait() {
	EventuallyWithOffset(1, mr.done, 60*time.Second).Should(Receive(), "make run did not exit:\n%s", mr.output())
}

func kubectlIn(kc string, args ...string) string {
	out, err := kubectlInErr(kc, args...)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "kubectl %s: %s", strings.Join(args, " "), out)
	return out
}

// kubectlInErr runs kubectl on the cluster of kubeconfig kc.
func kubectlInErr(kc string, args ...string) (string, error) {
	return kubectlInStdin(kc, "", args...)
}

func kubectlInStdin(kc, stdin string, args ...string) (string, error) {
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kc}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func expectGone(kc string, objs ...string) {
	for _, o := range objs {
		out, err := kubectlInErr(kc, "get", o)
		ExpectWithOffset(1, err).To(HaveOccurred(), "%s still exists: %s", o, out)
		ExpectWithOffset(1, out).To(ContainSubstring("NotFound"))
	}
}
