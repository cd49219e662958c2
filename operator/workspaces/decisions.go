package workspaces

import (
	"crypto/sha256"
	"encoding/json"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/policycheck"
)

// decisions remembers the last policy decision on each Workspace, so the
// reconciles its children cause (a claim bound, a pod ready) do not decide
// it again: a decision costs more CPU than the rest of a pass. A decision
// is reused only while everything it was taken from is unchanged: the
// Workspace's UID, generation (its spec), labels and annotations,
// input.related (its template, profile, namespace) and the policy
// revision (whose ID covers data.sources). Status, finalizers and
// resourceVersion move with the controller's own writes; a decision at
// reconcile is taken as a CREATE, which has none of them, so they are not
// part of it. The result is kept whole (condition, denials, patch), so the
// effective spec is the patch applied again: the same as deciding anew.
type decisions struct {
	mu sync.Mutex
	m  map[types.NamespacedName]decision
}

type decision struct {
	key [sha256.Size]byte
	res policycheck.Result
}

// decisionKey digests what a Workspace's decision is taken from.
func decisionKey(ws *wsv1.Workspace, related map[string]any, revision string) ([sha256.Size]byte, error) {
	b, err := json.Marshal(struct {
		UID         types.UID
		Generation  int64
		Labels      map[string]string
		Annotations map[string]string
		Related     map[string]any
		Revision    string
	}{ws.UID, ws.Generation, ws.Labels, ws.Annotations, related, revision})
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// get returns the result decided for key, if it is the last one.
func (d *decisions) get(name types.NamespacedName, key [sha256.Size]byte) (policycheck.Result, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.m[name]
	if !ok || c.key != key {
		return policycheck.Result{}, false
	}
	return c.res, true
}

func (d *decisions) put(name types.NamespacedName, key [sha256.Size]byte, res policycheck.Result) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[types.NamespacedName]decision{}
	}
	d.m[name] = decision{key: key, res: res}
}

// forget drops a Workspace that is gone.
func (d *decisions) forget(name types.NamespacedName) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, name)
}
