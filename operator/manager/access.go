package manager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/weir-dev/weir/access"
	"github.com/weir-dev/weir/policies/engine"
)

// AccessConfig is how the access server (login pages and the proxy's
// forward-auth endpoint) is served.
type AccessConfig struct {
	// BindAddress is its listener, e.g. ":8090"; "" or "0" disables it.
	BindAddress string
	// SecretNamespace/SecretName is the Secret with the session and probe
	// keys (created when missing); client secrets named by managers are
	// read from SecretNamespace too.
	SecretNamespace string
	SecretName      string
}

// Enabled reports whether the access server runs.
func (c AccessConfig) Enabled() bool { return c.BindAddress != "" && c.BindAddress != "0" }

// setupAccess adds the access server to mgr, on every replica (it answers
// requests; it does not reconcile). It returns the prober Workspaces'
// routes are checked with, which works once the server has its keys, and
// the log of the requests it lets through (idle shutdown); nil when the
// server is disabled.
func setupAccess(ctx context.Context, mgr ctrl.Manager, cfg AccessConfig, eng *engine.Engine) (*access.Prober, *access.ActivityLog, error) {
	if !cfg.Enabled() {
		return nil, nil, nil
	}
	if cfg.SecretNamespace == "" || cfg.SecretName == "" {
		return nil, nil, errors.New("--access-secret: want <namespace>/<name> of the Secret with the access server's keys")
	}
	reader, err := access.NewKubeReader(ctx, mgr.GetCache())
	if err != nil {
		return nil, nil, fmt.Errorf("access server: %w", err)
	}
	r := &accessRunnable{mgr: mgr, cfg: cfg, eng: eng, reader: reader, prober: access.NewProber(nil), activity: &access.ActivityLog{}}
	if err := mgr.Add(r); err != nil {
		return nil, nil, err
	}
	return r.prober, r.activity, nil
}

type accessRunnable struct {
	mgr    ctrl.Manager
	cfg    AccessConfig
	eng    *engine.Engine
	reader *access.KubeReader
	prober *access.Prober
	// activity is filled by the server, read by the Workspace controller.
	activity *access.ActivityLog
}

// NeedLeaderElection: every replica serves logins and forward-auth.
func (r *accessRunnable) NeedLeaderElection() bool { return false }

func (r *accessRunnable) Start(ctx context.Context) error {
	log := r.mgr.GetLogger().WithName("access")
	ref := types.NamespacedName{Namespace: r.cfg.SecretNamespace, Name: r.cfg.SecretName}
	var keys *access.Keys
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		var err error
		if keys, err = access.LoadKeys(ctx, r.mgr.GetAPIReader(), r.mgr.GetClient(), ref); err == nil {
			break
		}
		log.Error(err, "access keys not loaded; retrying", "retryIn", wait.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
	r.prober.SetKeys(keys)
	srv, err := access.New(access.Options{
		Reader:     r.reader,
		Authorizer: access.KubeAuthorizer{Client: r.mgr.GetClient()},
		Policy:     r.eng,
		Keys:       keys,
		// Uncached: Weir watches no Secrets, and reads this one only when
		// a manager's generation changes.
		ClientSecret: func(ctx context.Context, name, key string) ([]byte, error) {
			s := &corev1.Secret{}
			if err := r.mgr.GetAPIReader().Get(ctx, types.NamespacedName{Namespace: r.cfg.SecretNamespace, Name: name}, s); err != nil {
				return nil, err
			}
			v, ok := s.Data[key]
			if !ok {
				return nil, fmt.Errorf("secret %s/%s has no key %s", r.cfg.SecretNamespace, name, key)
			}
			return v, nil
		},
		Log:      log,
		Activity: r.activity,
	})
	if err != nil {
		return err
	}
	if !r.mgr.GetCache().WaitForCacheSync(ctx) {
		return nil
	}
	ln, err := net.Listen("tcp", r.cfg.BindAddress)
	if err != nil {
		return fmt.Errorf("access server: listen on %s (--access-bind-address): %w", r.cfg.BindAddress, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.Info("serving login pages and forward-auth", "address", ln.Addr().String())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
