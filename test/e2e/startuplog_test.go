//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/weir-dev/weir/test/kwok"
	"github.com/weir-dev/weir/test/samples"
)

// A normal start-up has no error line and no stack trace in the manager's
// log, from start-up through the first reconciles of a sample Run and a
// sample Workspace to a clean stop: an error there reads as something to
// fix, and one the user can do nothing about is noise that hides the real
// ones. Both ways the manager runs: `make run` (console log, --zap-devel,
// whose stack traces start at warnings) and as the chart's pod runs it
// (JSON log; test/kwok's StartManager), each on a kwok cluster of its own.
var _ = Describe("the manager's start-up log", Ordered, func() {
	const ns = "startlog"

	It("tells error lines and stack traces from the rest (so the checks below can fail)", func() {
		Expect(errorLines(strings.Join([]string{
			"2026-12-02T14:19:00Z\tINFO\tsetup\tstarting manager",
			"2026-12-02T14:19:00Z\tERROR\tsetup\tproblem running manager\t{\"error\": \"x\"}",
			"main.main",
			"\t/work/main/operator/cmd/weir/manager.go:120",
			"runtime.main",
			"\t/usr/local/go/src/runtime/proc.go:283",
			`{"level":"info","ts":"2026-12-02T14:19:00Z","msg":"Starting workers"}`,
			`{"level":"error","ts":"2026-12-02T14:19:00Z","msg":"Reconciler error"}`,
			`E1202 14:19:00.123456   42 reflector.go:200] "Failed to watch"`,
			"make run: deleting the webhook configurations weir-local-validating and weir-local-mutating (ERROR-free)",
		}, "\n"))).To(Equal([]string{
			"2026-12-02T14:19:00Z\tERROR\tsetup\tproblem running manager\t{\"error\": \"x\"}",
			"stack trace: \t/work/main/operator/cmd/weir/manager.go:120",
			`{"level":"error","ts":"2026-12-02T14:19:00Z","msg":"Reconciler error"}`,
			`E1202 14:19:00.123456   42 reflector.go:200] "Failed to watch"`,
		}))
	})

	It("has none under make run, through the samples' first reconciles and Ctrl-C", func() {
		const cluster = "weir-e2e-startlog"
		DeferCleanup(func() {
			_ = exec.Command(filepath.Join(root, "hack", "cluster.sh"), "down", cluster).Run()
		})
		mr := startMakeRun(cluster)
		reconcileSamples(filepath.Join(root, ".cache", "kwok", cluster+".kubeconfig"), ns, mr.output)

		By("a clean stop, as Ctrl-C")
		Expect(syscall.Kill(-mr.cmd.Process.Pid, syscall.SIGINT)).To(Succeed())
		mr.wait()

		log := mr.output()
		Expect(log).To(MatchRegexp(`(?m)^\S+\tINFO\t`), "no console-encoded (--zap-devel) manager line in make run's output:\n%s", log)
		Expect(errorLines(log)).To(BeEmpty(), "error lines or stack traces in make run's output:\n%s", log)
	})

	It("has none as the chart's pod runs it, through the samples' first reconciles and SIGTERM", func() {
		c := kwok.Up(GinkgoT(), "weir-e2e-startlog-pod", kwok.Options{})
		c.ApplyCRDs(GinkgoT(), filepath.Join(root, "config", "crd", "bases"),
			"crd/runs.runs.marmotdata.io", "crd/workspaces.workspace.jupyter.org")
		c.EnsureNamespace(GinkgoT(), "weir-system")
		logPath := filepath.Join(GinkgoT().TempDir(), "weir-manager.log")
		// Registered before StartManager, so it runs after the manager's
		// own clean-up has stopped it: the log then holds the shutdown too.
		DeferCleanup(func() {
			b, err := os.ReadFile(logPath)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(b)).To(ContainSubstring(`"level":"info"`), "no JSON-encoded manager line in %s:\n%s", logPath, b)
			Expect(errorLines(string(b))).To(BeEmpty(), "error lines or stack traces in the manager's log:\n%s", b)
		})
		m := kwok.StartManager(GinkgoT(), c, kwok.ManagerOptions{
			LogPath: logPath,
			Args:    []string{"--image=ghcr.io/weir-dev/weir:e2e", "--access-secret=weir-system/weir-local-access"},
		})
		reconcileSamples(c.Kubeconfig, ns, func() string { return m.Tail(100) })
	})
})

// reconcileSamples applies the Run sample and upstream's Workspace sample
// in namespace ns of the cluster of kubeconfig kc and waits until the Run is
// Ready with its CronJob and the Workspace Available with its Deployment;
// log is the manager's log so far, for a failure's message.
func reconcileSamples(kc, ns string, log func() string) {
	kubectlIn(kc, "create", "namespace", ns)
	// What a cloud cluster has and kwok lacks: a default StorageClass and a
	// volume for the Workspace's home to bind.
	out, err := kubectlInStdin(kc, startlogStorage, "apply", "-f", "-")
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s", out)
	kubectlIn(kc, "apply", "-n", ns, "-f", filepath.Join(root, "config", "samples", "my-pipeline.yaml"))
	kubectlIn(kc, "apply", "-n", ns, "-f", filepath.Join(samples.Dir(GinkgoT()), "workspace_v1alpha1_workspace.yaml"))

	By("the Run: Ready, with its CronJob")
	EventuallyWithOffset(1, func() string {
		out, _ := kubectlInErr(kc, "get", "-n", ns, "run/my-pipeline", "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
		return out
	}, 2*time.Minute, time.Second).Should(Equal("True"), func() string { return "Run my-pipeline not Ready; the manager's log:\n" + log() })
	kubectlIn(kc, "get", "-n", ns, "cronjob/my-pipeline")

	By("the Workspace: Available, with its Deployment")
	EventuallyWithOffset(1, func() string {
		out, _ := kubectlInErr(kc, "get", "-n", ns, "workspace/workspace-sample", "-o",
			`jsonpath={.status.conditions[?(@.type=="Available")].status}`)
		return out
	}, 2*time.Minute, time.Second).Should(Equal("True"), func() string { return "Workspace workspace-sample not Available; the manager's log:\n" + log() })
	kubectlIn(kc, "get", "-n", ns, "deployment/ws-workspace-sample")
}

const startlogStorage = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: weir-e2e-startlog}
spec:
  storageClassName: standard
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/weir-e2e-startlog}
`

var (
	// zap's console encoding (make run's --zap-devel): time, then level.
	zapError = regexp.MustCompile(`^\S+\t(ERROR|DPANIC|PANIC|FATAL)\t`)
	// zap's JSON encoding (the chart's).
	zapJSONError = regexp.MustCompile(`"level":"(error|dpanic|panic|fatal)"`)
	// klog's (client-go's) header: E for error, F for fatal.
	klogError = regexp.MustCompile(`^[EF]\d{4} \d\d:\d\d:\d\d\.\d+ `)
	// A stack frame as zap (and a panic) prints it: a tab, a Go file, a line.
	stackFrame = regexp.MustCompile(`^\t\S+\.go:\d+`)
	goroutine  = regexp.MustCompile(`^(goroutine \d+ \[|panic: )`)
)

// errorLines are the lines of log at error level or above, and the first
// frame of each stack trace.
func errorLines(log string) []string {
	var found []string
	inStack := false // the current stack trace is reported already
	for _, l := range strings.Split(log, "\n") {
		switch {
		case zapError.MatchString(l), zapJSONError.MatchString(l), klogError.MatchString(l), goroutine.MatchString(l):
			found = append(found, l)
			inStack = false
		case stackFrame.MatchString(l):
			if !inStack {
				found = append(found, "stack trace: "+l)
			}
			inStack = true
		case l != "" && !strings.ContainsAny(l, " \t"):
			// A frame's function (main.main, pkg.(*T).M.func1) between
			// two frames of the same trace.
		default:
			inStack = false
		}
	}
	return found
}
