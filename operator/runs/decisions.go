package runs

import (
	"crypto/sha256"
	"encoding/json"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

// decisions remembers the last policy decision on each Run, so that the
// reconciles a Run's own children cause (a Job starting, finishing) do
// not decide it again: on a burst of new Runs the decisions were most of
// the operator's CPU. A decision is reused only while everything it was
// taken from is unchanged: the Run's UID, generation (its spec), labels and
// annotations, input.related, and the policy revision (whose ID covers
// data.sources). Status, finalizers and resourceVersion move with the
// controller's own writes; a decision at reconcile is taken as a CREATE,
// which has neither, so they are not part of it.
const sha256Size = sha256.Size

type decisions struct {
	mu sync.Mutex
	m  map[types.NamespacedName]decision
}

type decision struct {
	key  [sha256Size]byte
	cond metav1.Condition
}

// decisionKey digests what a Run's decision is taken from.
func decisionKey(run *runsv1.Run, related map[string]any, revision string) ([sha256Size]byte, error) {
	b, err := json.Marshal(struct {
		UID         types.UID
		Generation  int64
		Labels      map[string]string
		Annotations map[string]string
		Related     map[string]any
		Revision    string
	}{run.UID, run.Generation, run.Labels, run.Annotations, related, revision})
	if err != nil {
		return [sha256Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// get returns the Valid condition decided for key, if it is the last one.
func (d *decisions) get(name types.NamespacedName, key [sha256Size]byte) (metav1.Condition, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.m[name]
	if !ok || c.key != key {
		return metav1.Condition{}, false
	}
	return c.cond, true
}

func (d *decisions) put(name types.NamespacedName, key [sha256Size]byte, cond metav1.Condition) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[types.NamespacedName]decision{}
	}
	d.m[name] = decision{key: key, cond: cond}
}

// forget drops a Run that is gone.
func (d *decisions) forget(name types.NamespacedName) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, name)
}
