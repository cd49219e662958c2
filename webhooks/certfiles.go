package webhooks

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

// addCertFiles copies the rotator's Secret into the cert directory each
// time it changes. cert-controller expects the Secret to be mounted there
// by the kubelet; writing it ourselves works the same in a pod (an
// emptyDir), under `make run` and in tests, and a rotation reaches the
// webhook server's certwatcher at once instead of at the kubelet's next
// sync. Only that one Secret is watched.
func addCertFiles(ctx context.Context, mgr ctrl.Manager, secret types.NamespacedName, dir string, log logr.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("webhook cert dir: %w", err)
	}
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(),
		Mapper: mgr.GetRESTMapper(),
		DefaultNamespaces: map[string]cache.Config{secret.Namespace: {
			FieldSelector: fields.OneTermEqualSelector("metadata.name", secret.Name),
		}},
	})
	if err != nil {
		return err
	}
	inf, err := c.GetInformer(ctx, &corev1.Secret{}, cache.BlockUntilSynced(false))
	if err != nil {
		return err
	}
	write := func(obj any) {
		s, ok := obj.(*corev1.Secret)
		if !ok || s.Name != secret.Name {
			return
		}
		if err := writeCertFiles(dir, s.Data); err != nil {
			log.Error(err, "writing the webhook certificate to disk", "dir", dir)
		}
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    write,
		UpdateFunc: func(_, obj any) { write(obj) },
	}); err != nil {
		return err
	}
	return mgr.Add(everyReplica{c})
}

// everyReplica starts the Secret's cache on every replica, not only the
// leader (where controller-runtime starts a runnable that does not say
// otherwise): a follower serves the webhooks too, and its rotator waits
// for these files before it reports ready.
type everyReplica struct{ cache.Cache }

// NeedLeaderElection is false: see everyReplica.
func (everyReplica) NeedLeaderElection() bool { return false }

// writeCertFiles writes tls.key and tls.crt when they changed, each by a
// rename so a reader never sees half a file; the key goes first so the
// certificate, whose change the certwatcher reloads on, never precedes it.
func writeCertFiles(dir string, data map[string][]byte) error {
	for _, name := range []string{corev1.TLSPrivateKeyKey, corev1.TLSCertKey} {
		want := data[name]
		if len(want) == 0 {
			return nil // the rotator has not filled the Secret yet
		}
		path := filepath.Join(dir, name)
		if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, want) {
			continue
		}
		tmp, err := os.CreateTemp(dir, "."+name+"-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(want)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(tmp.Name(), 0o600)
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), path)
		}
		if werr != nil {
			_ = os.Remove(tmp.Name())
			return werr
		}
	}
	return nil
}
