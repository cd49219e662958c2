package runs_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/weir-dev/weir/operator/internal/testenv"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

// The suite runs the real kube-apiserver and etcd (KUBEBUILDER_ASSETS, set by
// `make test`) and the Run controller in a manager, as in production.
var (
	k8s        client.Client
	ctx        context.Context
	cancel     context.CancelFunc
	testEnv    *envtest.Environment
	mgr        ctrl.Manager
	restCfg    *rest.Config      // the API server, as the tests' own client sees it
	writes     testenv.Writes    // API writes made by the manager
	modules    *fetchtest.Server // serves SourcePlugin modules over HTTPS
	runOptions = runs.Options{
		Image:                "ghcr.io/weir-dev/weir:test",
		MarmotURL:            "http://marmot.test:8080",
		IngestServiceAccount: "weir-ingest",
		RecheckInterval:      time.Second, // a created Secret is seen within a test's timeout
	}
)

func TestRuns(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Run controller (envtest)")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run `make test`, or KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/...")
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	restCfg = cfg

	k8s, err = client.New(cfg, client.Options{Scheme: manager.Scheme()})
	Expect(err).NotTo(HaveOccurred())

	mgrCfg := writes.Wrap(cfg)
	modules = fetchtest.NewServer(GinkgoT())
	mgr, err = manager.New(ctx, mgrCfg, manager.Config{
		Runs:                   runOptions,
		Plugins:                manager.PluginConfig{CAFile: modules.CAFile},
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
	// status, what clears by itself (a stale cache, a webhook not serving
	// yet) is retried quietly.
	errs := metric("controller_runtime_reconcile_errors_total", map[string]string{"controller": "run"})
	Expect(errs).NotTo(BeNil(), "no reconcile_errors_total series for controller run")
	Expect(errs.GetCounter().GetValue()).To(BeZero())
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// newNamespace gives each spec its own namespace.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "run-test-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

const (
	timeout  = 20 * time.Second
	interval = 100 * time.Millisecond
)
