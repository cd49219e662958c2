package kwok

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/test/realparts"
)

// Options tune Up; the zero value suits a test.
type Options struct {
	// Keep leaves the cluster up after t's clean-ups (make demo picks it
	// up again); otherwise hack/cluster.sh down deletes it.
	Keep bool
	// Context bounds every command and wait on the cluster (the demo's
	// Ctrl-C); nil is context.Background().
	Context context.Context
	// Progress shows hack/cluster.sh's stderr (kwokctl's progress) as it
	// comes; nil keeps it for the error message.
	Progress io.Writer
}

// Cluster is one kwok cluster and an admin's ways into it.
type Cluster struct {
	Name       string
	Root       string // the Weir checkout
	Kubeconfig string
	Config     *rest.Config
	// Admin is a controller-runtime client with manager.Scheme().
	Admin client.Client

	ctx context.Context
}

// Up starts (or finds) the kwok cluster name with hack/cluster.sh, puts
// $K8S_BIN on PATH and the cluster in KUBECONFIG (for kubectl and the
// manager), and deletes the cluster in t.Cleanup unless opts.Keep.
func Up(t realparts.TB, name string, opts Options) *Cluster {
	t.Helper()
	c := &Cluster{Name: name, Root: realparts.RepoRoot(t), ctx: opts.Context}
	if c.ctx == nil {
		c.ctx = context.Background()
	}
	if bin := os.Getenv("K8S_BIN"); bin != "" {
		setenv(t, "PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	script := filepath.Join(c.Root, "hack", "cluster.sh")
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(c.ctx, script, "up", name)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if opts.Progress != nil {
		cmd.Stderr = opts.Progress
	}
	if err := cmd.Run(); err != nil {
		t.Fatalf("hack/cluster.sh up %s: %v\n%s%s", name, err, stdout.String(), stderr.String())
	}
	if !opts.Keep {
		t.Cleanup(func() { _ = exec.Command(script, "down", name).Run() })
	}
	c.Kubeconfig = strings.TrimSpace(stdout.String())
	setenv(t, "KUBECONFIG", c.Kubeconfig)
	var err error
	if c.Config, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig); err != nil {
		t.Fatalf("kubeconfig %s: %v", c.Kubeconfig, err)
	}
	if c.Admin, err = client.New(c.Config, client.Options{Scheme: manager.Scheme()}); err != nil {
		t.Fatalf("admin client: %v", err)
	}
	return c
}

// setenv is t.Setenv when t has it (a test: restored after it), else
// os.Setenv (a program: for the rest of its life).
func setenv(t realparts.TB, key, value string) {
	if s, ok := t.(interface{ Setenv(string, string) }); ok {
		s.Setenv(key, value)
		return
	}
	if err := os.Setenv(key, value); err != nil {
		t.Fatalf("setenv %s: %v", key, err)
	}
}

// Context is what bounds the cluster's commands and waits.
func (c *Cluster) Context() context.Context { return c.ctx }

// Kubectl runs kubectl against the cluster and returns its output (stdout
// and stderr); a failure fails t with that output.
func (c *Cluster) Kubectl(t realparts.TB, args ...string) string {
	t.Helper()
	return c.KubectlStdin(t, "", args...)
}

// KubectlStdin is Kubectl with stdin (apply -f -).
func (c *Cluster) KubectlStdin(t realparts.TB, stdin string, args ...string) string {
	t.Helper()
	var buf bytes.Buffer
	cmd := exec.CommandContext(c.ctx, "kubectl", append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return buf.String()
}

// ApplyCRDs applies the CRDs in dir (server-side: they are too big for
// the last-applied annotation; forced: a kept cluster may have older ones)
// and waits until each of established (e.g. "crd/workspaces.workspace.jupyter.org")
// is Established.
func (c *Cluster) ApplyCRDs(t realparts.TB, dir string, established ...string) {
	t.Helper()
	c.Kubectl(t, "apply", "--server-side", "--force-conflicts", "-f", dir)
	if len(established) > 0 {
		c.Kubectl(t, append([]string{"wait", "--for=condition=Established", "--timeout=60s"}, established...)...)
	}
}

// EnsureNamespace creates namespace name unless it is there.
func (c *Cluster) EnsureNamespace(t realparts.TB, name string) {
	t.Helper()
	err := c.Admin.Create(c.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("namespace %s: %v", name, err)
	}
}

// As is a client acting as user (impersonation) in groups and
// system:authenticated, so the webhooks and RBAC see that user, as they
// would see a person running kubectl.
func (c *Cluster) As(t realparts.TB, user string, groups ...string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(c.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: append(append([]string{}, groups...), "system:authenticated")}
	cl, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		t.Fatalf("client as %s: %v", user, err)
	}
	return cl
}

// StageStorage makes what a cloud cluster has and kwok lacks: a default
// StorageClass "standard" and n PersistentVolumes (<cluster>-0 …) for the
// Workspaces' claims to bind.
func (c *Cluster) StageStorage(t realparts.TB, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %[1]s-%[2]d}
spec:
  storageClassName: standard
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/%[1]s-%[2]d}
`, c.Name, i)
	}
	c.KubectlStdin(t, b.String(), "apply", "-f", "-")
}
