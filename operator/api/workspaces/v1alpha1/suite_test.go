package v1alpha1_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// The suite runs the real kube-apiserver and etcd with the generated
// Workspace and WorkspaceTemplate CRDs installed, and no controller: what it
// checks (schema, defaults, CEL, printer columns, explain text) is the API
// server's alone.
var (
	k8s     client.Client
	ctx     context.Context
	cancel  context.CancelFunc
	testEnv *envtest.Environment
	restCfg *rest.Config
	scheme  = runtime.NewScheme()
)

// repoRoot is the repository's top directory, from this package's.
var repoRoot = filepath.Join("..", "..", "..", "..")

// crdFiles are the CRDs under test, as `make manifests` writes them.
var crdFiles = []string{
	filepath.Join(repoRoot, "config", "crd", "bases", "workspace.jupyter.org_workspaces.yaml"),
	filepath.Join(repoRoot, "config", "crd", "bases", "workspace.jupyter.org_workspacetemplates.yaml"),
	filepath.Join(repoRoot, "config", "crd", "bases", "workspace.jupyter.org_workspacemanagers.yaml"),
	filepath.Join(repoRoot, "config", "crd", "bases", "workspace.jupyter.org_workspaceshares.yaml"),
	filepath.Join(repoRoot, "config", "crd", "bases", "workspace.jupyter.org_workspaceexecutionprofiles.yaml"),
}

func TestWorkspaceAPI(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Workspace API (envtest)")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(),
		"KUBEBUILDER_ASSETS is not set: run `make test`, or KUBEBUILDER_ASSETS=$(hack/control-plane.sh) go test ./operator/api/workspaces/...")
	ctx, cancel = context.WithCancel(context.Background())
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
	Expect(wsv1.AddToScheme(scheme)).To(Succeed())

	testEnv = &envtest.Environment{
		CRDInstallOptions: envtest.CRDInstallOptions{Paths: crdFiles, ErrorIfPathMissing: true},
	}
	var err error
	restCfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(restCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ws-api-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}
