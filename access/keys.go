package access

import (
	"context"
	"crypto/rand"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// Keys sign and encrypt the session and login cookies and sign probe
// tokens. Every replica must use the same ones, so they live in a Secret.
type Keys struct {
	SessionHash  []byte // HMAC-SHA256 of cookies, 64 bytes
	SessionBlock []byte // AES-256 of cookies, 32 bytes
	Probe        []byte // HMAC-SHA256 of probe tokens, 32 bytes
}

// Keys of the Secret.
const (
	keySessionHash  = "session-hash-key"
	keySessionBlock = "session-block-key"
	keyProbe        = "probe-key"
)

var keySizes = map[string]int{keySessionHash: 64, keySessionBlock: 32, keyProbe: 32}

// NewKeys makes random keys.
func NewKeys() (*Keys, error) {
	data, err := randomKeys()
	if err != nil {
		return nil, err
	}
	return keysFrom(data), nil
}

func randomKeys() (map[string][]byte, error) {
	data := map[string][]byte{}
	for k, n := range keySizes {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		data[k] = b
	}
	return data, nil
}

func keysFrom(data map[string][]byte) *Keys {
	return &Keys{SessionHash: data[keySessionHash], SessionBlock: data[keySessionBlock], Probe: data[keyProbe]}
}

// LoadKeys reads the keys from the Secret at ref, creating it with random
// keys when it is missing (a replica that loses the race to create it
// reads the winner's). r must not be a cache: Weir watches no Secrets.
// Values are never logged or put into errors.
func LoadKeys(ctx context.Context, r client.Reader, w client.Writer, ref types.NamespacedName) (*Keys, error) {
	for range 2 {
		sec := &corev1.Secret{}
		err := r.Get(ctx, ref, sec)
		if err == nil {
			for k, n := range keySizes {
				if len(sec.Data[k]) < n {
					return nil, fmt.Errorf("secret %s: key %s is missing or shorter than %d bytes; delete the Secret and Weir makes new keys (every user then logs in again)", ref, k, n)
				}
			}
			return keysFrom(sec.Data), nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("read the access keys, secret %s: %w", ref, err)
		}
		data, err := randomKeys()
		if err != nil {
			return nil, err
		}
		sec = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name,
				Labels: map[string]string{runsv1.LabelManagedBy: runsv1.ManagedBy}},
			Type: corev1.SecretTypeOpaque,
			Data: data,
		}
		err = w.Create(ctx, sec)
		if err == nil {
			return keysFrom(data), nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create the access keys, secret %s (namespace %s must exist): %w", ref, ref.Namespace, err)
		}
	}
	return nil, fmt.Errorf("secret %s: created and deleted while reading it; try again", ref)
}
