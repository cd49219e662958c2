package policies

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
)

// LastGoodStore keeps each PolicyBundle's last spec that compiled, so a
// restarted operator still has it in force when the current spec does
// not compile (a bundle admitted while the webhook was down, or one an
// upgrade of Weir broke).
type LastGoodStore interface {
	// Load returns the saved spec of bundle name and the revision it
	// compiled to; ok is false when there is none.
	Load(ctx context.Context, name string) (spec policiesv1.PolicyBundleSpec, revision string, ok bool, err error)
	// Save records pb's spec as its last good one, of revision rev.
	Save(ctx context.Context, pb *policiesv1.PolicyBundle, rev string) error
}

// ConfigMapStore is a LastGoodStore of ConfigMaps in Weir's own
// namespace, one per bundle, owned by the bundle so that they go with it.
type ConfigMapStore struct {
	// Client writes; Reader reads, uncached (a namespaced manager's cache
	// may not hold Weir's own namespace).
	Client    client.Client
	Reader    client.Reader
	Namespace string
}

const (
	lastGoodKey        = "spec.json"
	lastGoodRevision   = "policies.weir.dev/revision"
	lastGoodBundle     = "policies.weir.dev/bundle"
	lastGoodNamePrefix = "weir-policybundle-"
)

// lastGoodName is the ConfigMap's name: the bundle's, or a digest of it
// when prefix and name would be longer than a name may be.
func lastGoodName(bundle string) string {
	if n := lastGoodNamePrefix + bundle; len(n) <= 253 {
		return n
	}
	sum := sha256.Sum256([]byte(bundle))
	return lastGoodNamePrefix + hex.EncodeToString(sum[:16])
}

func (s ConfigMapStore) Load(ctx context.Context, name string) (policiesv1.PolicyBundleSpec, string, bool, error) {
	var spec policiesv1.PolicyBundleSpec
	cm := &corev1.ConfigMap{}
	err := s.Reader.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: lastGoodName(name)}, cm)
	switch {
	case apierrors.IsNotFound(err):
		return spec, "", false, nil
	case err != nil:
		return spec, "", false, err
	case cm.Annotations[lastGoodBundle] != name:
		return spec, "", false, nil // another bundle's, by a digest collision
	}
	if err := json.Unmarshal([]byte(cm.Data[lastGoodKey]), &spec); err != nil {
		return spec, "", false, fmt.Errorf("ConfigMap %s/%s: %s: %w", s.Namespace, cm.Name, lastGoodKey, err)
	}
	return spec, cm.Annotations[lastGoodRevision], true, nil
}

// Save writes only when the saved revision or owner differs, so a resync
// or a restart with the same bundles writes nothing, and a bundle deleted
// and made again takes its ConfigMap over before GC removes it.
func (s ConfigMapStore) Save(ctx context.Context, pb *policiesv1.PolicyBundle, rev string) error {
	b, err := json.Marshal(pb.Spec)
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: s.Namespace, Name: lastGoodName(pb.Name)}
	err = s.Reader.Get(ctx, key, cm)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	exists := err == nil
	if exists && cm.Annotations[lastGoodRevision] == rev && cm.Annotations[lastGoodBundle] == pb.Name &&
		len(cm.OwnerReferences) == 1 && cm.OwnerReferences[0].UID == pb.UID {
		return nil
	}
	cm.Namespace, cm.Name = key.Namespace, key.Name
	cm.Labels = map[string]string{"app.kubernetes.io/managed-by": "weir"}
	cm.Annotations = map[string]string{lastGoodRevision: rev, lastGoodBundle: pb.Name}
	cm.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: policiesv1.GroupVersion.String(), Kind: "PolicyBundle", Name: pb.Name, UID: pb.UID,
	}}
	cm.Data = map[string]string{lastGoodKey: string(b)}
	if exists {
		return s.Client.Update(ctx, cm)
	}
	return s.Client.Create(ctx, cm)
}
