//go:build e2e

// Package certmanager installs Weir with the chart's certManager.enabled=true
// on a kwok cluster (test/kwok) next to the real cert-manager controller,
// cainjector and webhook (built from the module proxy by
// hack/cert-manager.sh), and proves what the chart promises: cert-manager's
// webhook admits the chart's Issuer and Certificate (and refuses an invalid
// one with its own message), cert-manager issues the webhooks' serving
// certificate, its cainjector puts the CA into Weir's webhook configurations
// (and cert-manager's own), the API server calls Weir's webhooks over TLS
// verified with that CA, and a renewal is served without restarting the
// manager.
//
// kwok runs no pods, so the manager and cert-manager's webhook run on this
// machine (the manager with the chart Deployment's own arguments), and two
// stand-ins do what a node would: the Secret is mirrored into the manager's
// cert directory as the kubelet refreshes a Secret volume (kubelet_test.go),
// and each webhook Service is an ExternalName to localhost with the local
// port in the webhook configuration, so the API server still verifies the
// name the certificate was issued for (weir-webhook.weir-system.svc,
// cert-manager-webhook.cert-manager.svc).
package certmanager

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"

	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/test/kwok"
)

const (
	ns          = "weir-system"
	release     = "weir"
	certName    = "weir-webhook"      // the chart's Certificate
	secretName  = "weir-webhook-cert" // its secretName
	serviceName = "weir-webhook"
	validating  = "weir-validating"
	mutating    = "weir-mutating"
	// serverName is what the API server verifies for a webhook Service.
	serverName = serviceName + "." + ns + ".svc"
	team       = "team-a"
)

// leaky is a Run Weir's default policies refuse at admission.
const leaky = `apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata: {name: leaky, namespace: team-a}
spec:
  runs:
    - postgresql:
        host: db.example.com
        user: reader
        password: hunter2
`

func TestCertManagerServesWeirsWebhooks(t *testing.T) {
	for _, v := range []string{"K8S_BIN", "WEIR", "HELM"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set: K8S_BIN=$(hack/control-plane.sh) WEIR=$PWD/bin/weir HELM=$(hack/helm.sh) go test -tags e2e ./test/e2e/certmanager/", v)
		}
	}
	c := kwok.Up(t, "weir-certmanager", kwok.Options{})
	cm := certManagerDir(t, c.Root)
	scheme := manager.Scheme()
	utilruntime.Must(cmapi.AddToScheme(scheme))
	cl, err := client.New(c.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.Context()

	// cert-manager as its chart would install it: CRDs, controller, cainjector.
	c.ApplyCRDs(t, filepath.Join(cm, "crds"), "crd/certificates.cert-manager.io", "crd/certificaterequests.cert-manager.io",
		"crd/issuers.cert-manager.io", "crd/clusterissuers.cert-manager.io")
	c.EnsureNamespace(t, "cert-manager")
	env := []string{"KUBECONFIG=" + c.Kubeconfig}
	controller := start(t, "cert-manager-controller", filepath.Join(cm, "controller"), env, "--kubeconfig="+c.Kubeconfig, "--v=2")
	cainjector := start(t, "cert-manager-cainjector", filepath.Join(cm, "cainjector"), env, "--kubeconfig="+c.Kubeconfig, "--v=2")
	// Its webhook before Weir's chart, so the chart's Issuer and Certificate
	// (and the controller's CertificateRequests) pass through it.
	cmWebhookProc := startCertManagerWebhook(t, ctx, cl, cm, c.Kubeconfig, cainjector)

	// Weir in cert-manager mode, as docs/install.md says.
	c.ApplyCRDs(t, filepath.Join(c.Root, "charts", "weir", "crds"), "crd/runs.runs.marmotdata.io", "crd/policybundles.policies.weir.dev")
	helm(t, c.Kubeconfig, "install", release, filepath.Join(c.Root, "charts", "weir"), "-n", ns, "--create-namespace",
		"--set", "certManager.enabled=true")

	cert := waitCertificate(t, ctx, cl, controller, nil)
	mutatedRequests(t, ctx, cl, cmWebhookProc)
	issued := secretCert(t, ctx, cl)
	t.Logf("cert-manager issued serial %x for %v, valid until %s", issued.leaf.SerialNumber, issued.leaf.DNSNames, issued.leaf.NotAfter)
	if issued.leaf.Subject.CommonName != "" || !contains(issued.leaf.DNSNames, serverName) {
		t.Errorf("issued certificate names %v (CN %q), want %s among them", issued.leaf.DNSNames, issued.leaf.Subject.CommonName, serverName)
	}
	injected := waitInjected(t, ctx, cl, cainjector, issued.ca, true)

	// What a node would do: mount the Secret, route the Service.
	certDir := t.TempDir()
	mountCtx, stopMount := context.WithCancel(ctx)
	t.Cleanup(stopMount)
	if err := mountSecret(mountCtx, cl, client.ObjectKey{Namespace: ns, Name: secretName}, certDir, t.Logf); err != nil {
		t.Fatalf("mount the Secret: %v", err)
	}
	port := kwok.FreePort(t)
	routeToLocalhost(t, ctx, cl, int32(port))

	weir := startManager(t, ctx, cl, c.Kubeconfig, certDir, port)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if got := servingSerial(t, addr, injected); got.Cmp(issued.leaf.SerialNumber) != 0 {
		t.Fatalf("the manager serves serial %x, want the issued %x", got, issued.leaf.SerialNumber)
	}
	c.EnsureNamespace(t, team)
	refused(t, c.Kubeconfig, "before the renewal")

	// A renewal, as `cmctl renew` triggers it: the Issuing condition.
	renew(t, ctx, cl, cert)
	waitCertificate(t, ctx, cl, controller, issued.leaf.SerialNumber)
	var renewed issuedCert
	kwok.WaitFor(t, 90*time.Second, "a new serial in Secret "+secretName, func() error {
		renewed = secretCert(t, ctx, cl)
		if renewed.leaf.SerialNumber.Cmp(issued.leaf.SerialNumber) == 0 {
			return errors.New("still the first serial")
		}
		return nil
	})
	t.Logf("renewed: serial %x", renewed.leaf.SerialNumber)
	if bytes.Equal(renewed.ca, issued.ca) {
		t.Logf("the renewal kept the CA (same self-signed key?)")
	}
	injected = waitInjected(t, ctx, cl, cainjector, renewed.ca, false)
	kwok.WaitFor(t, 90*time.Second, "the manager serving the renewed certificate", func() error {
		weir.alive(t)
		if got := servingSerial(t, addr, injected); got.Cmp(renewed.leaf.SerialNumber) != 0 {
			return fmt.Errorf("serves serial %x, want %x", got, renewed.leaf.SerialNumber)
		}
		return nil
	})
	// The same process throughout (start never restarts one), which
	// reloaded the files itself: controller-runtime's certwatcher logs each load.
	weir.alive(t)
	if n := strings.Count(weir.tail(100000), "Updated current TLS certificate"); n < 2 {
		t.Errorf("the manager logged %d certificate loads, want the first and the renewal", n)
	}
	refused(t, c.Kubeconfig, "after the renewal")
}

// certManagerDir is $CERT_MANAGER or what hack/cert-manager.sh built, which
// this test does not build (WEIR_TOOLS_NO_BUILD: a cold build takes minutes).
func certManagerDir(t *testing.T, root string) string {
	t.Helper()
	if d := os.Getenv("CERT_MANAGER"); d != "" {
		return d
	}
	cmd := exec.Command(filepath.Join(root, "hack", "cert-manager.sh"))
	cmd.Env = append(os.Environ(), "WEIR_TOOLS_NO_BUILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/cert-manager.sh: %v: %s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func helm(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Getenv("HELM"), append(args, "--kubeconfig", kubeconfig)...)
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+filepath.Join(tmp, "config"),
		"HELM_CACHE_HOME="+filepath.Join(tmp, "cache"), "HELM_DATA_HOME="+filepath.Join(tmp, "data"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitCertificate waits for the chart's Issuer (if it has one) and
// Certificate to be Ready, with a serial other than notSerial.
func waitCertificate(t *testing.T, ctx context.Context, cl client.Client, controller *process, notSerial *big.Int) *cmapi.Certificate {
	t.Helper()
	var cert cmapi.Certificate
	kwok.WaitFor(t, 120*time.Second, "Certificate "+certName+" Ready", func() error {
		controller.alive(t)
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: certName}, &cert); err != nil {
			return err
		}
		if cert.Spec.IssuerRef.Kind == cmapi.IssuerKind {
			var issuer cmapi.Issuer
			if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: cert.Spec.IssuerRef.Name}, &issuer); err != nil {
				return err
			}
			if !issuerReady(issuer.Status.Conditions) {
				return fmt.Errorf("Issuer %s not Ready: %+v", issuer.Name, issuer.Status.Conditions)
			}
		}
		for _, cond := range cert.Status.Conditions {
			if cond.Type == cmapi.CertificateConditionReady {
				if cond.Status != cmmeta.ConditionTrue || cond.ObservedGeneration != cert.Generation {
					return fmt.Errorf("Ready %s: %s", cond.Status, cond.Message)
				}
				if notSerial != nil && cert.Status.Revision != nil && *cert.Status.Revision < 2 {
					return fmt.Errorf("revision %d, want a renewal", *cert.Status.Revision)
				}
				return nil
			}
		}
		return fmt.Errorf("no Ready condition: %+v", cert.Status.Conditions)
	})
	return &cert
}

func issuerReady(conds []cmapi.IssuerCondition) bool {
	for _, c := range conds {
		if c.Type == cmapi.IssuerConditionReady {
			return c.Status == cmmeta.ConditionTrue
		}
	}
	return false
}

// issuedCert is what the Secret holds: the serving certificate and its CA.
type issuedCert struct {
	leaf *x509.Certificate
	ca   []byte
}

func secretCert(t *testing.T, ctx context.Context, cl client.Client) issuedCert {
	t.Helper()
	var s corev1.Secret
	if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: secretName}, &s); err != nil {
		t.Fatalf("Secret %s/%s: %v", ns, secretName, err)
	}
	block, _ := pem.Decode(s.Data[corev1.TLSCertKey])
	if block == nil {
		t.Fatalf("Secret %s: %s is not PEM", secretName, corev1.TLSCertKey)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("Secret %s: %v", secretName, err)
	}
	ca := s.Data["ca.crt"]
	if len(ca) == 0 {
		t.Fatalf("Secret %s has no ca.crt (keys %v)", secretName, keys(s.Data))
	}
	return issuedCert{leaf, ca}
}

// waitInjected waits until every webhook of both configurations trusts ca,
// as cainjector copies it from the Certificate named by inject-ca-from, and
// returns the bundle. exact: the bundle is ca and nothing else (the first
// issuance); otherwise it must contain ca: cert-manager's cainjector merges
// a renewed CA into the bundle (feature CAInjectorMerging) and keeps the old
// one until it expires, so clients trust both during the rotation.
func waitInjected(t *testing.T, ctx context.Context, cl client.Client, cainjector *process, ca []byte, exact bool) []byte {
	t.Helper()
	want := serials(t, ca)
	var bundle []byte
	kwok.WaitFor(t, 90*time.Second, "the CA injected into "+validating+" and "+mutating, func() error {
		cainjector.alive(t)
		var v admissionregistrationv1.ValidatingWebhookConfiguration
		var m admissionregistrationv1.MutatingWebhookConfiguration
		if err := cl.Get(ctx, client.ObjectKey{Name: validating}, &v); err != nil {
			return err
		}
		if err := cl.Get(ctx, client.ObjectKey{Name: mutating}, &m); err != nil {
			return err
		}
		if len(v.Webhooks) == 0 || len(m.Webhooks) == 0 {
			return kwok.Stop(fmt.Errorf("%s has %d webhooks, %s %d", validating, len(v.Webhooks), mutating, len(m.Webhooks)))
		}
		type hook struct {
			config, name string
			bundle       []byte
		}
		var hooks []hook
		for _, w := range v.Webhooks {
			hooks = append(hooks, hook{validating, w.Name, w.ClientConfig.CABundle})
		}
		for _, w := range m.Webhooks {
			hooks = append(hooks, hook{mutating, w.Name, w.ClientConfig.CABundle})
		}
		for _, h := range hooks {
			got := serials(t, h.bundle)
			if exact && !bytes.Equal(h.bundle, ca) || !exact && !containsAll(got, want) {
				return fmt.Errorf("%s webhook %s: caBundle holds serials %v, want the issued CA %v (exact: %v)", h.config, h.name, got, want, exact)
			}
		}
		bundle = hooks[0].bundle
		return nil
	})
	return bundle
}

// serials are the serial numbers of the certificates in a PEM bundle.
func serials(t *testing.T, bundle []byte) []string {
	t.Helper()
	var out []string
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return out
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("caBundle: %v", err)
		}
		out = append(out, fmt.Sprintf("%x", c.SerialNumber))
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !contains(have, w) {
			return false
		}
	}
	return len(want) > 0
}

// routeToLocalhost makes the chart's webhook Service an ExternalName to
// localhost and points the webhooks at port, where the local manager
// listens: the API server still calls "the Service" and verifies the
// certificate for serverName. kwok has no pod network to reach a pod.
func routeToLocalhost(t *testing.T, ctx context.Context, cl client.Client, port int32) {
	t.Helper()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: serviceName}}
	if err := cl.Delete(ctx, svc); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("delete Service %s: %v", serviceName, err)
	}
	kwok.WaitFor(t, 30*time.Second, "Service "+serviceName+" gone", func() error {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(svc), &corev1.Service{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%w)", err)
		}
		return nil
	})
	svc = &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: serviceName},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}
	if err := cl.Create(ctx, svc); err != nil {
		t.Fatalf("ExternalName Service %s: %v", serviceName, err)
	}
	// The cainjector writes the same objects: retry on conflicts.
	setPort := func(obj client.Object, refs func() []*admissionregistrationv1.ServiceReference) {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := cl.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				return err
			}
			for _, r := range refs() {
				if r == nil || r.Name != serviceName || r.Namespace != ns {
					return fmt.Errorf("%s calls %+v, not the Service %s/%s", obj.GetName(), r, ns, serviceName)
				}
				r.Port = &port
			}
			return cl.Update(ctx, obj)
		})
		if err != nil {
			t.Fatalf("point %s at port %d: %v", obj.GetName(), port, err)
		}
	}
	v := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: validating}}
	setPort(v, func() (rs []*admissionregistrationv1.ServiceReference) {
		for i := range v.Webhooks {
			rs = append(rs, v.Webhooks[i].ClientConfig.Service)
		}
		return rs
	})
	m := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: mutating}}
	setPort(m, func() (rs []*admissionregistrationv1.ServiceReference) {
		for i := range m.Webhooks {
			rs = append(rs, m.Webhooks[i].ClientConfig.Service)
		}
		return rs
	})
}

// servingSerial dials the manager's webhook server as the API server would:
// server name serverName, trusting only ca (the injected caBundle). It fails t if the certificate
// does not verify.
func servingSerial(t *testing.T, addr string, ca []byte) *big.Int {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatal("the injected caBundle is not PEM")
	}
	conn, err := tls.DialWithDialer(&netDialer, "tcp", addr, &tls.Config{ServerName: serverName, RootCAs: pool, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("TLS to the manager's webhooks at %s as %s, trusting the injected caBundle: %v", addr, serverName, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// renew sets the Certificate's Issuing condition, as `cmctl renew` does.
func renew(t *testing.T, ctx context.Context, cl client.Client, cert *cmapi.Certificate) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var c cmapi.Certificate
		if err := cl.Get(ctx, client.ObjectKeyFromObject(cert), &c); err != nil {
			return err
		}
		now := metav1.Now()
		c.Status.Conditions = append(c.Status.Conditions, cmapi.CertificateCondition{
			Type: cmapi.CertificateConditionIssuing, Status: cmmeta.ConditionTrue,
			Reason: "ManuallyTriggered", Message: "Certificate re-issuance manually triggered",
			LastTransitionTime: &now, ObservedGeneration: c.Generation,
		})
		return cl.Status().Update(ctx, &c)
	})
	if err != nil {
		t.Fatalf("trigger a renewal of Certificate %s: %v", cert.Name, err)
	}
}

// refused applies leaky with kubectl: Weir's validating webhook must answer
// (over TLS the API server verified with the injected CA) and deny it.
func refused(t *testing.T, kubeconfig, when string) {
	t.Helper()
	cmd := exec.Command("kubectl", "--kubeconfig", kubeconfig, "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(leaky)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("%s: kubectl apply of a Run with a literal password succeeded:\n%s", when, out)
	}
	for _, want := range []string{`admission webhook "validate.runs.marmotdata.io" denied the request`, "literal secret"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: kubectl apply refused the Run without %q:\n%s", when, want, out)
		}
	}
}

// startManager runs $WEIR manager with the chart Deployment's arguments,
// except the addresses (free local ports) and the cert directory (the
// mirrored Secret), and waits for /readyz.
func startManager(t *testing.T, ctx context.Context, cl client.Client, kubeconfig, certDir string, port int) *process {
	t.Helper()
	var deps appsv1.DeploymentList
	if err := cl.List(ctx, &deps, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, d := range deps.Items {
		for _, ct := range d.Spec.Template.Spec.Containers {
			if ct.Name == "manager" {
				args = append([]string{}, ct.Args...)
			}
		}
	}
	if !contains(args, "--webhook-certs=external") {
		t.Fatalf("the chart's manager args %q lack --webhook-certs=external with certManager.enabled=true", args)
	}
	health := fmt.Sprintf("127.0.0.1:%d", kwok.FreePort(t))
	args = append(args,
		"--webhook-host=127.0.0.1", fmt.Sprintf("--webhook-port=%d", port), "--webhook-cert-dir="+certDir,
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", kwok.FreePort(t)), "--metrics-secure=false",
		"--health-probe-bind-address="+health, fmt.Sprintf("--access-bind-address=127.0.0.1:%d", kwok.FreePort(t)),
		"--leader-elect=false")
	if len(args) > 0 && args[0] != "manager" {
		args = append([]string{"manager"}, args...)
	}
	p := start(t, "weir-manager", os.Getenv("WEIR"), []string{"KUBECONFIG=" + kubeconfig, "POD_NAMESPACE=" + ns}, args...)
	p.waitReady(t, "http://"+health+"/readyz")
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
