//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/weir-dev/weir/plugins/sink/marmottest"
)

// pluginServer is a third party's HTTPS server: it publishes the example
// plugin (plugins/examples/httpjson, built out of tree) and the JSON
// document that plugin reads. Its private CA reaches the operator and the
// Job pod through the SourcePlugin's spec.caBundle, and a hand-written
// pipeline's `weir ingest` through WEIR_PLUGIN_CA_FILE.
var pluginServer struct {
	srv    *httptest.Server
	caFile string
	caPEM  string
	sum    string
}

const catalogDoc = `{"assets": [
  {"name": "orders", "type": "Table", "description": "All orders"},
  {"name": "order totals", "type": "View"}
], "lineage": [{"source": "orders", "target": "order totals"}]}`

// startPluginServer runs in BeforeSuite, before the operator starts.
func startPluginServer() {
	wasm := buildHTTPJSONExample()
	sum := sha256.Sum256(wasm)
	pluginServer.sum = hex.EncodeToString(sum[:])
	mux := http.NewServeMux()
	mux.HandleFunc("/plugins/http-json.wasm", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(wasm) })
	mux.HandleFunc("/catalog.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(catalogDoc))
	})
	pluginServer.srv = httptest.NewTLSServer(mux)
	DeferCleanup(pluginServer.srv.Close)
	pluginServer.caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pluginServer.srv.Certificate().Raw}))
	f, err := os.CreateTemp("", "weir-e2e-plugin-ca-*.pem")
	Expect(err).NotTo(HaveOccurred())
	_, err = f.WriteString(pluginServer.caPEM)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Close()).To(Succeed())
	pluginServer.caFile = f.Name()
	DeferCleanup(func() { _ = os.Remove(f.Name()) })
}

// buildHTTPJSONExample builds the example as a third party would, in its
// own module (Go's build cache makes a second build quick).
func buildHTTPJSONExample() []byte {
	out := filepath.Join(GinkgoT().TempDir(), "http-json.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = filepath.Join(root, "plugins", "examples", "httpjson")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	b, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "building the example plugin: %s", b)
	wasm, err := os.ReadFile(out)
	Expect(err).NotTo(HaveOccurred())
	return wasm
}

var _ = Describe("A third-party SourcePlugin", Ordered, func() {
	const ns = "weir-e2e-plugin"
	var tmp string
	BeforeAll(func() {
		kubectl("create", "namespace", ns)
		kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
		DeferCleanup(func() { kubectl("delete", "namespace", ns, "--wait=false") })
	})
	BeforeEach(func() {
		var err error
		tmp, err = os.MkdirTemp("", "weir-e2e-plugin-tmp-")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = os.RemoveAll(tmp) })
	})

	It("is fetched, verified and described by the operator, checked at apply, and run by a Run's Job", func() {
		base := pluginServer.srv.URL
		kubectlStdin(fmt.Sprintf(`
apiVersion: plugins.weir.dev/v1alpha1
kind: SourcePlugin
metadata: {name: http-json}
spec:
  url: %s/plugins/http-json.wasm
  sha256: %s
  caBundle: %q
`, base, pluginServer.sum, pluginServer.caPEM), "apply", "-f", "-")
		DeferCleanup(func() { kubectl("delete", "sourceplugin", "http-json", "--wait=false") })
		Eventually(func() string {
			return jsonpath("", "sourceplugin/http-json", `{.status.conditions[?(@.type=="Ready")].status} {.status.id}`)
		}, 60*time.Second, time.Second).Should(Equal("True http-json"))

		By("refusing a typo in its config with the schema the module published")
		var out string
		Eventually(func() string {
			out, _ = kubectlErrStdin(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: typo, namespace: weir-e2e-plugin}
spec:
  runs:
    - http-json: {ulr: https://example.com/catalog.json}
`, "apply", "--dry-run=server", "-f", "-")
			return out
		}, 30*time.Second, time.Second).Should(ContainSubstring("spec.runs[0].http-json.ulr: not a setting of the http-json source"))

		By("running a Run that names it, in the Job's command and env, as the pod would")
		kubectlStdin(fmt.Sprintf(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: catalog, namespace: %s}
spec:
  runs:
    - http-json:
        url: %s/catalog.json
        ca_cert: %q
`, ns, base, pluginServer.caPEM), "apply", "-f", "-")
		job := jobOf(ns, "catalog")
		pipeline := jobPipeline(job)
		Expect(pipeline).To(ContainSubstring(pluginServer.sum), "the Job pod fetches the module by its digest")
		Expect(pipeline).To(ContainSubstring("caBundle"), "and trusts the SourcePlugin's CA for it")

		fake := marmottest.New(marmottest.Options{})
		DeferCleanup(fake.Close)
		res := runJobLocally(ns, job, fake.URL, tmp)
		Expect(res.err).NotTo(HaveOccurred(), "weir ingest failed:\n%s", res.output)
		Expect(fake.Violations()).To(BeEmpty())
		runs := fake.Runs()
		Expect(runs).To(HaveLen(1))
		Expect(runs[0].Source).To(Equal("http-json"))
		Expect(runs[0].Status).To(Equal("completed"), "error: %s", runs[0].Error)
		Expect(runs[0].Assets).To(ConsistOf("mrn://table/http/orders", "mrn://view/http/order-totals"))
	})

	It("is refused by `weir ingest` when the bytes at its URL are not the ones its digest names", func() {
		pipeline := filepath.Join(tmp, "pipeline.yaml")
		Expect(os.WriteFile(pipeline, []byte(fmt.Sprintf(`name: tampered
plugins:
  http-json: {url: %s/plugins/http-json.wasm, sha256: %s}
runs:
  - http-json: {url: %s/catalog.json}
`, pluginServer.srv.URL, strings.Repeat("0", 64), pluginServer.srv.URL)), 0o644)).To(Succeed())
		fake := marmottest.New(marmottest.Options{})
		DeferCleanup(fake.Close)
		cmd := exec.Command(os.Getenv("WEIR"), "ingest", "-c", pipeline)
		cmd.Env = append(os.Environ(), "MARMOT_HOST="+fake.URL, "TMPDIR="+tmp, "WEIR_PLUGIN_ALLOW_LOOPBACK=true",
			"WEIR_PLUGIN_CA_FILE="+pluginServer.caFile)
		out, err := cmd.CombinedOutput()
		Expect(err).To(HaveOccurred(), "weir ingest ran a module whose digest does not match:\n%s", out)
		Expect(string(out)).To(ContainSubstring("sha256"))
		for _, r := range fake.Requests() {
			Expect(r.Path).NotTo(Equal("/api/v1/runs/assets/batch"), "nothing is pushed for a refused module")
		}
	})
})
