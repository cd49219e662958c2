package policycheck

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/weir-dev/weir/policies/engine"
)

// Memo remembers the last decision on each object of one kind, so the
// reconciles an object's own children cause (a Job starting, a claim
// bound, a pod ready) do not decide it again: on a burst of new objects
// the decisions were most of the operator's CPU. A decision is reused
// only while everything it was taken from is unchanged: the object's UID,
// generation (its spec), labels and annotations, input.related and the
// policy revision (whose ID covers data.sources). Status, finalizers and
// resourceVersion move with the controller's own writes; a decision at
// reconcile is taken as a CREATE, which has none of them, so they are not
// part of it. The Result is kept whole (condition, denials, patch), so
// applying its patch again gives the same effective spec as deciding
// anew. A failed decision is never kept. The zero Memo is ready to use.
//
// Equal decisions are kept once and shared by every object they were taken
// on (the default bundle gives most objects of a kind the same condition
// and patch): a Result per object held ~2 KB of decoded patch values, ~28
// MB at 10,000 Runs and 5,000 Workspaces (docs/performance.md, "Manager
// memory"). A Result from Check is therefore read-only, its slices and
// patch values included: callers copy before they change it.
type Memo struct {
	mu sync.Mutex
	m  map[types.NamespacedName]memoEntry
	// shared holds each distinct Result once, by its digest, with the
	// number of objects that use it; it is dropped with its last user.
	shared map[[sha256.Size]byte]*sharedResult
}

type memoEntry struct {
	key [sha256.Size]byte
	res *sharedResult
}

type sharedResult struct {
	digest [sha256.Size]byte
	res    Result
	refs   int
}

// Check is the package's Check, or the last Result on obj while what it
// was taken from is unchanged.
func (m *Memo) Check(ctx context.Context, eng *engine.Engine, obj client.Object, gvk schema.GroupVersionKind, related map[string]any) (Result, error) {
	if eng == nil {
		return Check(ctx, eng, obj, gvk, related)
	}
	rev, ok := eng.Current()
	if !ok {
		return Check(ctx, eng, obj, gvk, related)
	}
	name := client.ObjectKeyFromObject(obj)
	key, err := memoKey(obj, related, rev.ID)
	if err != nil {
		return Check(ctx, eng, obj, gvk, related)
	}
	if res, ok := m.get(name, key); ok {
		return res, nil
	}
	res, err := Check(ctx, eng, obj, gvk, related)
	if err != nil {
		return res, err
	}
	// Kept under the revision that decided, which a reload between
	// Current and Check may have changed: then the next pass decides again.
	if res.Revision != "" && res.Revision != rev.ID {
		key, err = memoKey(obj, related, res.Revision)
	}
	if err == nil {
		res = m.put(name, key, res)
	}
	return res, nil
}

// Forget drops an object that is gone.
func (m *Memo) Forget(name types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.m[name]; ok {
		m.release(e.res)
		delete(m.m, name)
	}
}

// Has tells whether a decision on name is kept (for tests).
func (m *Memo) Has(name types.NamespacedName) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.m[name]
	return ok
}

// memoKey digests what a decision on obj is taken from.
func memoKey(obj client.Object, related map[string]any, revision string) ([sha256.Size]byte, error) {
	b, err := json.Marshal(struct {
		UID         types.UID
		Generation  int64
		Labels      map[string]string
		Annotations map[string]string
		Related     map[string]any
		Revision    string
	}{obj.GetUID(), obj.GetGeneration(), obj.GetLabels(), obj.GetAnnotations(), related, revision})
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

func (m *Memo) get(name types.NamespacedName, key [sha256.Size]byte) (Result, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[name]
	if !ok || e.key != key {
		return Result{}, false
	}
	return e.res.res, true
}

// put keeps res for name under key, shared with every object that has an
// equal Result, and returns the kept (shared) Result. A Result that cannot
// be digested (a patch value JSON cannot encode) is not kept: the next
// pass decides again.
func (m *Memo) put(name types.NamespacedName, key [sha256.Size]byte, res Result) Result {
	digest, err := resultDigest(res)
	if err != nil {
		return res
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[types.NamespacedName]memoEntry{}
		m.shared = map[[sha256.Size]byte]*sharedResult{}
	}
	s := m.shared[digest]
	if s == nil {
		s = &sharedResult{digest: digest, res: res}
		m.shared[digest] = s
	}
	s.refs++
	if old, ok := m.m[name]; ok {
		m.release(old.res)
	}
	m.m[name] = memoEntry{key: key, res: s}
	return s.res
}

// release drops one user of s, and s with its last. m.mu is held.
func (m *Memo) release(s *sharedResult) {
	if s.refs--; s.refs <= 0 {
		delete(m.shared, s.digest)
	}
}

// resultDigest digests everything a Result holds, the patch operations'
// Policy and Bundle included (their JSON leaves them out).
func resultDigest(res Result) ([sha256.Size]byte, error) {
	type op struct {
		Op             engine.PatchOp
		Policy, Bundle string
	}
	ops := make([]op, len(res.Patch))
	for i, o := range res.Patch {
		ops[i] = op{o, o.Policy, o.Bundle}
	}
	b, err := json.Marshal(struct {
		Condition         metav1.Condition
		Denials, Warnings []engine.Violation
		Patch             []op
		Revision          string
	}{res.Condition, res.Denials, res.Warnings, ops, res.Revision})
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}
