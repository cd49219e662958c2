//go:build e2e

package certmanager

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// mountSecret mirrors Secret key into dir until ctx ends, as the kubelet
// keeps a Secret volume of a running pod up to date: the manager runs on
// this machine, not in a pod, so nothing else would put cert-manager's
// renewal where --webhook-certs=external reads it. Like the kubelet's
// atomic writer, each version goes into its own directory and the
// ..data symlink is swapped in one rename, so the manager never reads a
// tls.crt from one version and a tls.key from another. It returns after the
// first version is written; errors after that go to logf.
func mountSecret(ctx context.Context, c client.Client, key client.ObjectKey, dir string, logf func(string, ...any)) error {
	written := ""
	sync := func() error {
		var s corev1.Secret
		if err := c.Get(ctx, key, &s); err != nil {
			return err
		}
		if s.ResourceVersion == written {
			return nil
		}
		if len(s.Data[corev1.TLSCertKey]) == 0 || len(s.Data[corev1.TLSPrivateKeyKey]) == 0 {
			return fmt.Errorf("secret %s has no %s and %s yet", key, corev1.TLSCertKey, corev1.TLSPrivateKeyKey)
		}
		if err := writeAtomically(dir, s.ResourceVersion, s.Data); err != nil {
			return err
		}
		written = s.ResourceVersion
		return nil
	}
	if err := sync(); err != nil {
		return err
	}
	go func() {
		// The kubelet's sync period is a minute; a second keeps the test short.
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := sync(); err != nil && ctx.Err() == nil {
					logf("mirror %s into %s: %v", key, dir, err)
				}
			}
		}
	}()
	return nil
}

// writeAtomically lays data out as the kubelet does: dir/..<version>/<key>
// files, dir/..data -> ..<version>, dir/<key> -> ..data/<key>.
func writeAtomically(dir, version string, data map[string][]byte) error {
	ts := "..v" + version
	if err := os.MkdirAll(filepath.Join(dir, ts), 0o700); err != nil {
		return err
	}
	for k, v := range data {
		if err := os.WriteFile(filepath.Join(dir, ts, k), v, 0o600); err != nil {
			return err
		}
	}
	tmp := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(ts, tmp); err != nil {
		return err
	}
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		return err
	}
	for k := range data {
		link := filepath.Join(dir, k)
		if _, err := os.Lstat(link); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join("..data", k), link); err != nil {
				return err
			}
		}
	}
	if old != "" && old != ts {
		_ = os.RemoveAll(filepath.Join(dir, old))
	}
	return nil
}
