package sourceplugins_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/plugins/fetch/fetchtest"
)

// The suite runs the real kube-apiserver and etcd (KUBEBUILDER_ASSETS, set
// by `make test`) and Weir's manager as in production, with modules served
// over HTTPS by a local server whose CA the manager is given.
var (
	k8s      client.Client
	ctx      context.Context
	cancel   context.CancelFunc
	testEnv  *envtest.Environment
	modules  *fetchtest.Server
	cacheDir string
)

func TestSourcePlugins(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SourcePlugin controller (envtest)")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run `make test`, or KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/...")
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	_, err := fetchtest.GoodModule() // built once, before the clock of any spec starts
	Expect(err).NotTo(HaveOccurred())

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(cfg, client.Options{Scheme: manager.Scheme()})
	Expect(err).NotTo(HaveOccurred())

	modules = fetchtest.NewServer(GinkgoT())
	cacheDir = GinkgoT().TempDir()
	mgr, err := manager.New(ctx, rest.CopyConfig(cfg), manager.Config{
		Runs:                   runsOptions,
		Plugins:                manager.PluginConfig{CacheDir: cacheDir, CAFile: modules.CAFile},
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
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

const (
	// timeout covers a module's first compile.
	timeout  = time.Minute
	interval = 100 * time.Millisecond
)
