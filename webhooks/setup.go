package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/weir-dev/weir/policies/engine"
)

// Options configure Weir's webhooks.
type Options struct {
	Engine *engine.Engine
	// CheckBundle compiles a PolicyBundle as the loader would.
	CheckBundle BundleChecker
	// CertMode is CertsSelfSigned or CertsExternal.
	CertMode string
	// CertDir holds tls.crt and tls.key; the manager's webhook server
	// must be configured with the same directory.
	CertDir string
	Certs   CertOptions
}

// The self-signed rotator's access to the two webhook configurations it
// injects its CA into is not a marker: a marker cannot name them, and
// update on every webhook configuration in the cluster is too much. The
// installs grant it themselves, by name (config/webhook/selfsigned/rbac.yaml,
// the chart's cluster-clusterrole.yaml), and only in self-signed mode.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// Setup registers the webhooks on the manager's webhook server. In
// self-signed mode they are registered, and the server started, only once
// the rotator has written the certificate: the server cannot start
// without one. The "webhooks" readiness check fails until the server
// answers over TLS, so a Service sends no request to a pod that can't
// answer.
func Setup(ctx context.Context, mgr ctrl.Manager, o Options) error {
	if o.Engine == nil || o.CheckBundle == nil {
		return errors.New("webhooks: Engine and CheckBundle are required")
	}
	log := ctrl.Log.WithName("webhooks")
	self, err := selfUsername(ctx, mgr.GetConfig())
	if err != nil {
		// Only Weir's idle shutdown of OwnerOnly Workspaces needs it; it
		// is refused (and says so) until a restart finds out.
		log.Error(err, "cannot tell Weir's own identity to the policies; idle shutdown of OwnerOnly Workspaces will be refused")
	}
	var server atomic.Pointer[webhook.Server]
	register := func() {
		s := mgr.GetWebhookServer() // adds the server to the manager
		d := handlerDeps{client: mgr.GetClient(), apiReader: mgr.GetAPIReader(), scheme: mgr.GetScheme(), checkBundle: o.CheckBundle}
		related := Related{Reader: mgr.GetClient(), Self: self}
		for _, hook := range Table {
			s.Register(hook.Path, &webhook.Admission{Handler: hook.handler(o.Engine, related, log, d), RecoverPanic: ptrTrue()})
		}
		server.Store(&s)
	}
	if err := mgr.AddReadyzCheck("webhooks", func(req *http.Request) error {
		s := server.Load()
		if s == nil {
			return errors.New("webhook server not started: waiting for its certificate")
		}
		return (*s).StartedChecker()(req)
	}); err != nil {
		return err
	}
	switch o.CertMode {
	case CertsExternal:
		register()
		return nil
	case CertsSelfSigned:
	default:
		return fmt.Errorf("--webhook-certs=%q: want %s or %s", o.CertMode, CertsSelfSigned, CertsExternal)
	}
	if err := ensureSecret(ctx, mgr, o.Certs); err != nil {
		return err
	}
	if err := addCertFiles(ctx, mgr, o.Certs.Secret, o.CertDir, log.WithName("certs")); err != nil {
		return fmt.Errorf("webhook certificate files: %w", err)
	}
	ready, err := addRotator(mgr, o.CertDir, o.Certs)
	if err != nil {
		return fmt.Errorf("webhook certificates: %w", err)
	}
	go func() {
		select {
		case <-ready:
			log.Info("serving certificate ready, starting the webhook server")
			register()
		case <-ctx.Done():
		}
	}()
	return nil
}

// ensureSecret creates the rotator's empty Secret when it is missing
// (make run, a fresh namespace); the chart creates it so that the
// operator needs no create permission on Secrets.
func ensureSecret(ctx context.Context, mgr ctrl.Manager, o CertOptions) error {
	c, err := client.New(mgr.GetConfig(), client.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return err
	}
	s := &corev1.Secret{}
	err = c.Get(ctx, o.Secret, s)
	if !apierrors.IsNotFound(err) {
		if err != nil {
			return fmt.Errorf("webhook certificate Secret %s: %w", o.Secret, err)
		}
		return nil
	}
	s.Namespace, s.Name = o.Secret.Namespace, o.Secret.Name
	s.Labels = map[string]string{"app.kubernetes.io/managed-by": "weir", "app.kubernetes.io/component": "webhook"}
	if err := c.Create(ctx, s); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating webhook certificate Secret %s (create it, or grant create on secrets in %s): %w",
			o.Secret, o.Secret.Namespace, err)
	}
	return nil
}

// handlerDeps are what a hook's extras may use.
type handlerDeps struct {
	client      client.Client
	apiReader   client.Reader
	scheme      *runtime.Scheme
	checkBundle BundleChecker
}

// handler is the PolicyHandler that serves hook.
func (hook Hook) handler(eng *engine.Engine, related Related, log logr.Logger, d handlerDeps) *PolicyHandler {
	h := &PolicyHandler{Engine: eng, Related: related, Webhook: hook.Name, Mutating: hook.Mutating,
		Log: log.WithName(hook.Resources[0])}
	if hook.extras != nil {
		hook.extras(h, d)
	}
	return h
}

func ptrTrue() *bool { t := true; return &t }
