package webhooks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/webhooks"
)

// The suite runs the real kube-apiserver and etcd with Weir's webhook
// configurations (config/webhook) installed by URL, and Weir's manager,
// controllers and webhooks in process, as `weir manager` runs them.
var (
	k8s     client.Client
	warns   = &warningRecorder{}
	ctx     context.Context
	cancel  context.CancelFunc
	testEnv *envtest.Environment
	restCfg *rest.Config
	// metricsAddr is where the manager serves metrics: HTTPS, token required.
	metricsAddr string
	mgrDone     = make(chan struct{})
	timeout     = 20 * time.Second
	interval    = 100 * time.Millisecond
)

// weirNamespace is left out of the webhooks by their namespaceSelector, as
// Weir's own namespace is in a cluster: objects created there stand for
// objects admitted while the webhook was down.
const weirNamespace = "weir-system"

func TestWebhooks(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Webhooks (envtest)")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run `make test`, or KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./webhooks/...")
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		// Webhook connections the API server keeps make its shutdown slow.
		ControlPlaneStopTimeout: time.Minute,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join("..", "config", "webhook", "manifests.yaml")},
		},
	}
	var err error
	restCfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	userCfg := rest.CopyConfig(restCfg)
	userCfg.WarningHandler = warns
	k8s, err = client.New(userCfg, client.Options{Scheme: manager.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: weirNamespace}})).To(Succeed())

	wh := testEnv.WebhookInstallOptions
	metricsAddr = fmt.Sprintf("127.0.0.1:%d", freePort())
	mgr, err := manager.New(ctx, restCfg, manager.Config{
		Runs: runs.Options{Image: "ghcr.io/weir-dev/weir:test", MarmotURL: "http://marmot.test:8080",
			// As --plugin-allow-link-local would: sandbox_test.go looks for it.
			Sandbox: runs.Sandbox{AllowLinkLocal: true}},
		MetricsBindAddress:     metricsAddr,
		HealthProbeBindAddress: "0",
		DefaultPolicies:        true,
		Webhooks: manager.WebhookConfig{
			Enabled: true, Host: wh.LocalServingHost, Port: wh.LocalServingPort,
			CertDir: wh.LocalServingCertDir, CertMode: webhooks.CertsExternal,
		},
	})
	Expect(err).NotTo(HaveOccurred())
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	// Ready when the API server reaches the webhook: a dry-run create of a
	// Run with a literal secret is denied by it, not by a connection error.
	Eventually(func() error {
		return k8s.Create(ctx, runWithPassword("probe", "default", "hunter2"), client.DryRunAll)
	}, timeout, interval).Should(MatchError(ContainSubstring("runs.literal-secret")))
})

var _ = AfterSuite(func() {
	cancel()
	Eventually(mgrDone, timeout).Should(BeClosed())
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// warningRecorder keeps the Warning headers the API server returns.
type warningRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningRecorder) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

// take returns the warnings seen since the last take.
func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}
