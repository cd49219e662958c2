package policybundles_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/policies/engine"
)

// The suite runs the real kube-apiserver and etcd (KUBEBUILDER_ASSETS, set
// by `make test`). Each container starts its own manager with the
// PolicyBundle controller and checks what the engine then decides.
var (
	k8s     client.Client
	ctx     context.Context
	cancel  context.CancelFunc
	testEnv *envtest.Environment
	cfg     *rest.Config
	scheme  = runtime.NewScheme()
)

func TestPolicies(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "PolicyBundle controller (envtest)")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run `make test`, or KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/...")
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(policiesv1.AddToScheme(scheme))

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// operator is one manager running the PolicyBundle controller.
type operator struct {
	engine *engine.Engine
	loader *policybundles.Loader
	stop   func()

	mu        sync.Mutex
	revisions []string // as OnChange reported them
}

func (o *operator) changes() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.revisions...)
}

// newOperator sets the controller up in a manager that is not started.
// Several managers run one after another in this process, hence
// SkipNameValidation.
func newOperator(defaultEnabled bool) (*operator, ctrl.Manager) {
	return newOperatorWith(policybundles.Options{DefaultEnabled: defaultEnabled})
}

// newOperatorWith is newOperator with opts (a fresh engine is added).
func newOperatorWith(opts policybundles.Options) (*operator, ctrl.Manager) {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	o := &operator{engine: engine.New()}
	opts.Engine = o.engine
	o.loader, err = policybundles.Setup(mgr, opts)
	Expect(err).NotTo(HaveOccurred())
	o.loader.OnChange(func(r engine.Revision) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.revisions = append(o.revisions, r.ID)
	})
	return o, mgr
}

// startOperator runs a manager until the container ends, then removes
// every PolicyBundle so the next container starts clean.
func startOperator(defaultEnabled bool) *operator {
	o := startOperatorWith(policybundles.Options{DefaultEnabled: defaultEnabled})
	halt := o.stop
	o.stop = func() {
		halt()
		Expect(k8s.DeleteAllOf(ctx, &policiesv1.PolicyBundle{})).To(Succeed())
		Eventually(func(g Gomega) {
			list := &policiesv1.PolicyBundleList{}
			g.Expect(k8s.List(ctx, list)).To(Succeed())
			g.Expect(list.Items).To(BeEmpty())
		}, timeout, interval).Should(Succeed())
	}
	return o
}

// startOperatorWith runs a manager with opts until stop, which leaves
// the PolicyBundles as they are (a restart).
func startOperatorWith(opts policybundles.Options) *operator {
	o, mgr := newOperatorWith(opts)
	mctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mctx)).To(Succeed())
	}()
	o.stop = func() {
		stop()
		<-done
	}
	return o
}

const (
	// timeout bounds "within seconds": a change must be in force by then.
	timeout  = 10 * time.Second
	interval = 100 * time.Millisecond
)
