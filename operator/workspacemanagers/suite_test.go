package workspacemanagers_test

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
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspacemanagers"
)

// The suite runs the real kube-apiserver and etcd (KUBEBUILDER_ASSETS) with
// Weir's CRDs and the Gateway API's standard CRDs, and the WorkspaceManager
// controller alone (no Gateway or ingress controller: routes are only
// objects here). Rechecks are short so that a Secret or Gateway created
// later is seen within a test.
var (
	k8s     client.Client
	ctx     context.Context
	cancel  context.CancelFunc
	testEnv *envtest.Environment
	restCfg *rest.Config
	weirNS  = "weir-system"
)

const (
	timeout  = 20 * time.Second
	interval = 100 * time.Millisecond
)

func TestWorkspaceManagers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "WorkspaceManager controller (envtest)")
}

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(wsv1.AddToScheme(s))
	utilruntime.Must(gatewayv1.Install(s))
	return s
}

// gatewayCRDs are the Gateway API's standard CRDs, from the module in go.mod.
func gatewayCRDs() []string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api").Output()
	Expect(err).NotTo(HaveOccurred(), "locating sigs.k8s.io/gateway-api")
	dir := filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard")
	var files []string
	for _, k := range []string{"gatewayclasses", "gateways", "httproutes", "referencegrants"} {
		files = append(files, filepath.Join(dir, "gateway.networking.k8s.io_"+k+".yaml"))
	}
	return files
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/workspacemanagers/")
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     append([]string{filepath.Join("..", "..", "config", "crd", "bases")}, gatewayCRDs()...),
		ErrorIfCRDPathMissing: true,
	}
	var err error
	restCfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(restCfg, client.Options{Scheme: scheme()})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8s.Create(ctx, namespace(weirNS))).To(Succeed())

	startController(ctx, restCfg, true)
})

// startController runs the WorkspaceManager controller in a manager of its
// own; gatewayAPI says whether the cluster is expected to serve HTTPRoutes.
func startController(ctx context.Context, cfg *rest.Config, gatewayAPI bool) {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             ctrlConfig(),
	})
	Expect(err).NotTo(HaveOccurred())
	installed, err := workspacemanagers.GatewayAPIInstalled(mgr.GetRESTMapper())
	Expect(err).NotTo(HaveOccurred())
	Expect(installed).To(Equal(gatewayAPI))
	r := &workspacemanagers.Reconciler{Options: workspacemanagers.Options{
		SecretNamespace: weirNS, IdPTimeout: time.Second,
		RecheckFailing: time.Second, RecheckReachable: 2 * time.Second,
	}}
	Expect(r.SetupWithManager(mgr)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
}

// ctrlConfig lets a second manager in this process (the suite without the
// Gateway API) register a controller of the same name.
func ctrlConfig() config.Controller {
	return config.Controller{SkipNameValidation: ptr.To(true)}
}

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})
