package workspaces_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/weir-dev/weir/operator/internal/testenv"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/operator/workspaces"
)

// The suite runs the real kube-apiserver and etcd (KUBEBUILDER_ASSETS) and
// Weir's whole manager with the default policies, as in production, without
// the webhooks: what the controller decides alone is what is tested. There
// is no Deployment controller; the tests play it by writing Deployment
// status.
var (
	k8s     client.Client
	ctx     context.Context
	cancel  context.CancelFunc
	testEnv *envtest.Environment
	writes  testenv.Writes // API writes made by the manager
	urlBase = "https://ide.example.test"
	// routes plays the proxy in front of every Workspace URL: a test
	// decides which serve (see access_test.go).
	routes *fakeProxy
	// reprobeInterval: routes that served are probed again this often
	// (60 s in production), so a route that breaks is seen in a test.
	reprobeInterval = 2 * time.Second
	// clock is idle shutdown's clock, moved forward past a timeout by a
	// test; activity plays the access server's log of requests; the
	// activity is read this often (a quarter of the timeout in production).
	clock             = &testClock{}
	activity          = &fakeActivity{}
	idleCheckInterval = 250 * time.Millisecond
)

func TestWorkspaces(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Workspace controller (envtest)")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run `make test`, or KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/workspaces/")
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())

	// The Gateway API's HTTPRoute (and Gateway) CRDs, from the module
	// Weir builds against, so HTTPRoutes are served as in a cluster that
	// has them.
	gw, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api").Output()
	Expect(err).NotTo(HaveOccurred(), "locating sigs.k8s.io/gateway-api in the module cache")
	gwCRDs := filepath.Join(strings.TrimSpace(string(gw)), "config", "crd", "standard")
	testEnv = &envtest.Environment{
		CRDDirectoryPaths: []string{
			filepath.Join("..", "..", "config", "crd", "bases"),
			filepath.Join(gwCRDs, "gateway.networking.k8s.io_httproutes.yaml"),
			filepath.Join(gwCRDs, "gateway.networking.k8s.io_gateways.yaml"),
		},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	scheme := manager.Scheme()
	Expect(gatewayv1.Install(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	routes = startRoutes()

	mgrCfg := writes.Wrap(cfg)
	var mgr ctrl.Manager
	mgr, err = manager.New(ctx, mgrCfg, manager.Config{
		Runs: runs.Options{Image: "ghcr.io/weir-dev/weir:test"},
		Workspaces: workspaces.Options{URLBase: urlBase, Prober: routes, ReprobeInterval: reprobeInterval,
			Activity: activity, Now: clock.Now, IdleCheckInterval: idleCheckInterval},
		DefaultPolicies:        true,
		MetricsBindAddress:     "0",
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	// No "Reconciler error" in the whole suite: what a user must fix is in
	// status, and nothing here should need a retry.
	for _, c := range []string{"workspace", "workspacetemplate"} {
		Expect(reconcileErrors(c)).To(BeZero(), "reconcile errors of controller %s", c)
	}
	cancel()
	if routes != nil {
		routes.Close()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// newNamespace gives each spec its own namespace, with labels.
func newNamespace(labels map[string]string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ws-test-", Labels: labels}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

const (
	timeout  = 20 * time.Second
	interval = 100 * time.Millisecond
)

// reconcileErrors is controller-runtime's count of failed reconciles of
// one controller, from the manager's metrics registry; the series must exist.
func reconcileErrors(controller string) float64 {
	m, err := testenv.Metric("controller_runtime_reconcile_errors_total", map[string]string{"controller": controller})
	Expect(err).NotTo(HaveOccurred())
	if m == nil {
		Fail("no controller_runtime_reconcile_errors_total series for controller " + controller)
	}
	return m.GetCounter().GetValue()
}
