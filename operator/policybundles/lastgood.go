package policybundles

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
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
//
// Whoever may write ConfigMaps there is not thereby trusted to choose
// policies: each saved spec carries an HMAC (policies.weir.dev/mac) under
// a random key in a Secret of that namespace that Weir creates
// (weir-policybundle-lastgood-key), and Load refuses a spec whose MAC
// does not verify. A revision digest alone could be recomputed by anyone.
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
	lastGoodMAC        = "policies.weir.dev/mac"
	// LastGoodKeySecret is the Secret, in ConfigMapStore.Namespace, whose
	// "key" signs the saved specs.
	LastGoodKeySecret = "weir-policybundle-lastgood-key"
	lastGoodKeyField  = "key"
)

// signature is the hex HMAC-SHA256 of what Load trusts: the bundle's name,
// the revision and the spec, each length-prefixed so no two differ in
// where one ends.
func signature(key []byte, bundle, rev string, spec []byte) string {
	m := hmac.New(sha256.New, key)
	for _, part := range [][]byte{[]byte(bundle), []byte(rev), spec} {
		fmt.Fprintf(m, "%d:", len(part))
		m.Write(part)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// key reads the signing key; with create, a missing one is made (32
// random bytes). Without one nothing saved can be trusted.
func (s ConfigMapStore) key(ctx context.Context, create bool) ([]byte, error) {
	sec := &corev1.Secret{}
	k := client.ObjectKey{Namespace: s.Namespace, Name: LastGoodKeySecret}
	err := s.Reader.Get(ctx, k, sec)
	if apierrors.IsNotFound(err) && create {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		sec = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "weir"}},
			Data: map[string][]byte{lastGoodKeyField: b}}
		err = s.Client.Create(ctx, sec)
		if apierrors.IsAlreadyExists(err) { // another replica's: use it
			err = s.Reader.Get(ctx, k, sec)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s/%s (the key that signs the PolicyBundles' last good specs): %w", k.Namespace, k.Name, err)
	}
	if len(sec.Data[lastGoodKeyField]) < 16 {
		return nil, fmt.Errorf("the Secret %s/%s: %q holds no key of at least 16 bytes; delete the Secret and Weir makes a new one", k.Namespace, k.Name, lastGoodKeyField)
	}
	return sec.Data[lastGoodKeyField], nil
}

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
	key, err := s.key(ctx, false)
	if err != nil {
		return spec, "", false, err
	}
	raw, rev := []byte(cm.Data[lastGoodKey]), cm.Annotations[lastGoodRevision]
	if !hmac.Equal([]byte(signature(key, name, rev, raw)), []byte(cm.Annotations[lastGoodMAC])) {
		return spec, "", false, fmt.Errorf("ConfigMap %s/%s: its %s does not verify: it was not saved by Weir, or was changed since; refusing it", s.Namespace, cm.Name, lastGoodMAC)
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return spec, "", false, fmt.Errorf("ConfigMap %s/%s: %s: %w", s.Namespace, cm.Name, lastGoodKey, err)
	}
	return spec, rev, true, nil
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
	hmacKey, err := s.key(ctx, true)
	if err != nil {
		return err
	}
	mac := signature(hmacKey, pb.Name, rev, b)
	if exists && cm.Annotations[lastGoodRevision] == rev && cm.Annotations[lastGoodBundle] == pb.Name &&
		cm.Annotations[lastGoodMAC] == mac && cm.Data[lastGoodKey] == string(b) &&
		len(cm.OwnerReferences) == 1 && cm.OwnerReferences[0].UID == pb.UID {
		return nil
	}
	cm.Namespace, cm.Name = key.Namespace, key.Name
	cm.Labels = map[string]string{"app.kubernetes.io/managed-by": "weir"}
	cm.Annotations = map[string]string{lastGoodRevision: rev, lastGoodBundle: pb.Name, lastGoodMAC: mac}
	cm.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: policiesv1.GroupVersion.String(), Kind: "PolicyBundle", Name: pb.Name, UID: pb.UID,
	}}
	cm.Data = map[string]string{lastGoodKey: string(b)}
	if exists {
		return s.Client.Update(ctx, cm)
	}
	return s.Client.Create(ctx, cm)
}
