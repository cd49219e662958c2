//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/plugins/model"
	"github.com/weir-dev/weir/plugins/sink/marmottest"
	"github.com/weir-dev/weir/plugins/sources/postgresql"
	"github.com/weir-dev/weir/test/postgres"
)

// The ingestion specs take a Run through the cluster to its Job, then play
// the kubelet: the Job's pod template (command, args, env with its Secret
// references resolved, the mounted pipeline file) is executed as a
// local process of bin/weir against a real PostgreSQL (test/postgres, the
// shop fixture) and a contract-checking fake Marmot (marmottest).
//
// They use their own namespace: top-level containers run in random order,
// and the Runs container creates weir-e2e unconditionally.
var _ = Describe("weir ingest from a Run's Job", Ordered, func() {
	const ns = "weir-e2e-ingest"
	var (
		pg       *postgres.Server
		shop     postgres.Shop
		wantMRNs []string // what the same source finds natively, in order
		lineage  int
		// tmp stands in for the pod's /tmp emptyDir; the plugin cache in
		// it is shared by the specs, as a node's would not be.
		tmp string
	)

	BeforeAll(func() {
		kubectl("create", "namespace", ns)
		kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
		DeferCleanup(func() { _, _ = kubectlErr("delete", "namespace", ns, "--wait=false") })

		// Installs Debian's PostgreSQL when missing (as root).
		var err error
		pg, err = postgres.New(postgres.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { Expect(pg.Close()).To(Succeed()) })
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shop, err = pg.LoadShop(ctx)
		Expect(err).NotTo(HaveOccurred())

		raw, err := json.Marshal(map[string]any{"host": pg.Host, "port": pg.Port, "user": shop.Owner, "password": shop.OwnerPassword})
		Expect(err).NotTo(HaveOccurred())
		cfg, err := postgresql.Validate(raw)
		Expect(err).NotTo(HaveOccurred())
		var d net.Dialer
		Expect(postgresql.Discover(ctx, cfg, d.DialContext, func(items []model.Item) error {
			for _, it := range items {
				switch {
				case it.Asset != nil:
					wantMRNs = append(wantMRNs, it.Asset.MRN)
				case it.Lineage != nil:
					lineage++
				}
			}
			return nil
		})).To(Succeed())
		// The fixture as test/postgres documents it, seen by its owner:
		// three databases (restricted is listed but not entered), and the
		// tables and views of shop; public.orders and sales.orders share
		// a bare name, hence an MRN.
		Expect(sortedCopy(wantMRNs)).To(Equal([]string{
			"mrn://database/postgresql/postgres",
			"mrn://database/postgresql/restricted",
			"mrn://database/postgresql/shop",
			"mrn://table/postgresql/customers",
			"mrn://table/postgresql/order_items",
			"mrn://table/postgresql/orders",
			"mrn://table/postgresql/orders",
			"mrn://table/postgresql/regions",
			"mrn://view/postgresql/customer_orders",
			"mrn://view/postgresql/region_totals",
		}))

		tmp, err = os.MkdirTemp("", "weir-e2e-ingest-")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = os.RemoveAll(tmp) })
	})

	// applyShopRun creates a Secret holding password and a one-off Run
	// that reads the shop database with it, by ${PG_PASSWORD}.
	applyShopRun := func(name, password string) {
		kubectl("create", "secret", "generic", name+"-db", "-n", ns, "--from-literal=password="+password)
		kubectlStdin(fmt.Sprintf(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: %s
  namespace: %s
spec:
  env:
    - name: PG_PASSWORD
      valueFrom:
        secretKeyRef: {name: %s-db, key: password}
  runs:
    - postgresql:
        host: %q
        port: %d
        user: %s
        password: "${PG_PASSWORD}"
`, name, ns, name, pg.Host, pg.Port, shop.Owner), "apply", "-f", "-")
	}

	It("executes the Job pod's command, env and pipeline.yaml against PostgreSQL into Marmot", func() {
		applyShopRun("shop", shop.OwnerPassword)
		job := jobOf(ns, "shop")
		c := job.Spec.Template.Spec.Containers[0]
		Expect(c.Command).To(Equal([]string{"weir", "ingest", "-c", "/config/pipeline.yaml"}))
		Expect(envValue(c.Env, "MARMOT_HOST")).To(Equal("http://marmot:8080"), "the operator's --marmot-url")
		Expect(c.Env).To(ContainElement(HaveField("ValueFrom.SecretKeyRef.Name", "shop-db")))
		pipeline := jobPipeline(job)
		Expect(pipeline).To(ContainSubstring("${PG_PASSWORD}"), "the password is expanded in the pod, not in the pipeline file")
		Expect(pipeline).NotTo(ContainSubstring(shop.OwnerPassword))

		fake := marmottest.New(marmottest.Options{})
		DeferCleanup(fake.Close)
		res := runJobLocally(ns, job, fake.URL, tmp)
		Expect(res.err).NotTo(HaveOccurred(), "weir ingest failed:\n%s", res.output)
		Expect(res.output).NotTo(ContainSubstring(shop.OwnerPassword))

		Expect(fake.Violations()).To(BeEmpty())
		var paths []string
		for _, r := range fake.Requests() {
			paths = append(paths, r.Method+" "+r.Path)
			Expect(string(r.Body)).NotTo(ContainSubstring(shop.OwnerPassword), "%s %s carries the password", r.Method, r.Path)
		}
		Expect(paths).To(Equal([]string{
			"POST /api/v1/runs/start",
			"POST /api/v1/runs/assets/batch",
			"POST /api/v1/runs/complete",
		}))
		runs := fake.Runs()
		Expect(runs).To(HaveLen(1))
		r := runs[0]
		Expect(r.Pipeline).To(Equal("shop"))
		Expect(r.Source).To(Equal("postgresql"))
		Expect(r.Status).To(Equal("completed"), "error: %s", r.Error)
		Expect(r.Batches).To(Equal(1))
		// Of the two orders tables only the last discovered is sent: Marmot
		// keeps one asset per MRN, the last of its batch.
		Expect(r.Assets).To(Equal(lastOfEachMRN(wantMRNs)))
		Expect(r.Lineage).To(Equal(lineage))
		Expect(r.FailedAssets).To(BeZero())
		Expect(r.Config).To(HaveKeyWithValue("password", "********"))
		Expect(r.Config).To(HaveKeyWithValue("host", pg.Host))
		Expect(r.Config).To(HaveKeyWithValue("user", shop.Owner))
	})

	It("exits non-zero and completes the Marmot run as failed when the Secret holds a wrong password", func() {
		const wrong = "not-the-owner-secret"
		applyShopRun("shop-wrong-password", wrong)
		job := jobOf(ns, "shop-wrong-password")

		fake := marmottest.New(marmottest.Options{})
		DeferCleanup(fake.Close)
		res := runJobLocally(ns, job, fake.URL, tmp)
		var exit *exec.ExitError
		Expect(errors.As(res.err, &exit)).To(BeTrue(), "weir ingest: %v\n%s", res.err, res.output)
		Expect(exit.ExitCode()).NotTo(BeZero())
		Expect(res.output).To(ContainSubstring("password authentication failed"))
		Expect(res.output).NotTo(ContainSubstring(wrong))

		Expect(fake.Violations()).To(BeEmpty())
		for _, r := range fake.Requests() {
			Expect(r.Path).NotTo(Equal("/api/v1/runs/assets/batch"), "a batch was sent for a failed discovery")
			Expect(string(r.Body)).NotTo(ContainSubstring(wrong), "%s %s carries the password", r.Method, r.Path)
		}
		runs := fake.Runs()
		Expect(runs).To(HaveLen(1))
		Expect(runs[0].Status).To(Equal("failed"))
		Expect(runs[0].Batches).To(BeZero())
		Expect(runs[0].Error).To(ContainSubstring("password authentication failed"))
		Expect(runs[0].Config).To(HaveKeyWithValue("password", "********"))
	})
})

// jobOf waits for the Job of the one-off Run name and returns it.
func jobOf(ns, name string) *batchv1.Job {
	var out string
	EventuallyWithOffset(1, func() error {
		var err error
		out, err = kubectlErr("get", "job", name, "-n", ns, "-o", "json")
		return err
	}, 30*time.Second, 500*time.Millisecond).Should(Succeed(), "no Job for Run %s/%s", ns, name)
	var job batchv1.Job
	ExpectWithOffset(1, json.Unmarshal([]byte(out), &job)).To(Succeed())
	ExpectWithOffset(1, job.Spec.Template.Spec.Containers).To(HaveLen(1))
	return &job
}

type jobResult struct {
	output string // stdout and stderr
	err    error  // from exec.Cmd.Run
}

// runJobLocally runs the single container of job's pod template as a
// local process, as a kubelet would: the ConfigMap and downward-API
// (annotation) volumes it mounts are written below a temporary directory, which replaces their mount paths
// in the command and args; env and envFrom are resolved by reading the
// Secrets and ConfigMaps they name with kubectl. The command's "weir" is
// $WEIR. Then MARMOT_HOST is pointed at marmot, loopback dials are allowed
// (the test PostgreSQL listens on 127.0.0.1), and tmp stands in for the
// pod's /tmp.
func runJobLocally(ns string, job *batchv1.Job, marmot, tmp string) jobResult {
	GinkgoHelper()
	spec := job.Spec.Template.Spec
	c := spec.Containers[0]
	dir := GinkgoT().TempDir()

	mounts := map[string]string{} // mount path -> local directory
	for _, vm := range c.VolumeMounts {
		var vol *corev1.Volume
		for i := range spec.Volumes {
			if spec.Volumes[i].Name == vm.Name {
				vol = &spec.Volumes[i]
			}
		}
		Expect(vol).NotTo(BeNil(), "volume %s is mounted but not declared", vm.Name)
		switch {
		case vol.ConfigMap != nil:
			local := filepath.Join(dir, vm.Name)
			Expect(os.MkdirAll(local, 0o755)).To(Succeed())
			for k, v := range configMapData(ns, vol.ConfigMap.Name) {
				Expect(os.WriteFile(filepath.Join(local, k), []byte(v), 0o644)).To(Succeed())
			}
			mounts[vm.MountPath] = local
		case vol.DownwardAPI != nil:
			// The pod's annotations are its template's.
			local := filepath.Join(dir, vm.Name)
			Expect(os.MkdirAll(local, 0o755)).To(Succeed())
			for _, item := range vol.DownwardAPI.Items {
				Expect(item.FieldRef).NotTo(BeNil(), "downward API item %s: only fieldRef is played here", item.Path)
				k, ok := strings.CutPrefix(item.FieldRef.FieldPath, "metadata.annotations['")
				k, ok2 := strings.CutSuffix(k, "']")
				Expect(ok && ok2).To(BeTrue(), "downward API item %s: only annotations are played here, not %s", item.Path, item.FieldRef.FieldPath)
				v, ok := job.Spec.Template.Annotations[k]
				Expect(ok).To(BeTrue(), "the pod template has no annotation %s", k)
				Expect(os.WriteFile(filepath.Join(local, item.Path), []byte(v), 0o644)).To(Succeed())
			}
			mounts[vm.MountPath] = local
		case vol.EmptyDir != nil:
			mounts[vm.MountPath] = tmp
		}
	}
	Expect(mounts).To(HaveKey("/config"), "the pipeline file is not mounted at /config")
	local := func(arg string) string {
		for mp, d := range mounts {
			if arg == mp || strings.HasPrefix(arg, mp+"/") {
				return d + strings.TrimPrefix(arg, mp)
			}
		}
		return arg
	}
	argv := append(slices.Clone(c.Command), c.Args...)
	Expect(argv).NotTo(BeEmpty())
	Expect(argv[0]).To(Equal("weir"), "the Job runs %q, not weir", argv[0])
	argv[0] = os.Getenv("WEIR")
	for i := 1; i < len(argv); i++ {
		argv[i] = local(argv[i])
	}

	env := map[string]string{}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.SecretRef != nil:
			data = secretData(ns, from.SecretRef.Name)
		case from.ConfigMapRef != nil:
			data = configMapData(ns, from.ConfigMapRef.Name)
		}
		for k, v := range data {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secretData(ns, ref.Name)[ref.Key]
			Expect(ok).To(BeTrue(), "env %s: secret %s has no key %s", e.Name, ref.Name, ref.Key)
			env[e.Name] = v
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			v, ok := configMapData(ns, ref.Name)[ref.Key]
			Expect(ok).To(BeTrue(), "env %s: configmap %s has no key %s", e.Name, ref.Name, ref.Key)
			env[e.Name] = v
		default:
			Fail(fmt.Sprintf("env %s: unsupported valueFrom", e.Name))
		}
	}
	env["MARMOT_HOST"] = marmot // the pod's env; the sandbox comes from pipeline.yaml (the Run names 127.0.0.1, so none is needed)
	env["TMPDIR"] = tmp
	env["HOME"] = dir

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	fmt.Fprintf(GinkgoWriter, "$ %s (%v)\n%s", strings.Join(argv, " "), err, out.String())
	return jobResult{output: out.String(), err: err}
}

func secretData(ns, name string) map[string]string {
	var s corev1.Secret
	ExpectWithOffset(1, json.Unmarshal([]byte(kubectl("get", "secret", name, "-n", ns, "-o", "json")), &s)).To(Succeed())
	out := map[string]string{}
	for k, v := range s.Data { // base64 in JSON, decoded by encoding/json
		out[k] = string(v)
	}
	for k, v := range s.StringData {
		out[k] = v
	}
	return out
}

// jobPipeline is the pipeline file a Job's pod reads: from its template's
// annotation, or from the ConfigMap of a pipeline too large for it.
func jobPipeline(job *batchv1.Job) string {
	GinkgoHelper()
	p, cm := runs.PipelineOf(&job.Spec.Template)
	if cm != "" {
		return configMapData(job.Namespace, cm)[runs.PipelineKey]
	}
	Expect(p).NotTo(BeEmpty(), "Job %s carries no pipeline file", job.Name)
	return p
}

func configMapData(ns, name string) map[string]string {
	var cm corev1.ConfigMap
	ExpectWithOffset(1, json.Unmarshal([]byte(kubectl("get", "configmap", name, "-n", ns, "-o", "json")), &cm)).To(Succeed())
	out := map[string]string{}
	for k, v := range cm.Data {
		out[k] = v
	}
	for k, v := range cm.BinaryData {
		out[k] = string(v)
	}
	return out
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// lastOfEachMRN keeps, of MRNs that repeat, the last one, in order.
func lastOfEachMRN(mrns []string) []string {
	last := map[string]int{}
	for i, m := range mrns {
		last[m] = i
	}
	var out []string
	for i, m := range mrns {
		if last[m] == i {
			out = append(out, m)
		}
	}
	return out
}
