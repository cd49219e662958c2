package access

import (
	"hash/maphash"
	"sync"
	"time"
)

// ttlCache is a map whose entries end after a time, sharded so that
// thousands of lookups a second from many goroutines do not queue on one
// lock. A full shard is emptied rather than swept: losing cached
// decisions costs a Rego evaluation or a SubjectAccessReview each, never
// a wrong answer.
type ttlCache[K comparable, V any] struct {
	seed     maphash.Seed
	shards   [64]shard[K, V]
	perShard int
}

type shard[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]entry[V]
}

type entry[V any] struct {
	v   V
	exp int64 // unix nanoseconds
}

func newTTLCache[K comparable, V any](maxEntries int) *ttlCache[K, V] {
	c := &ttlCache[K, V]{seed: maphash.MakeSeed(), perShard: max(maxEntries/64, 16)}
	for i := range c.shards {
		c.shards[i].m = map[K]entry[V]{}
	}
	return c
}

func (c *ttlCache[K, V]) shard(k K) *shard[K, V] {
	return &c.shards[maphash.Comparable(c.seed, k)%uint64(len(c.shards))]
}

func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	s := c.shard(k)
	s.mu.RLock()
	e, ok := s.m[k]
	s.mu.RUnlock()
	if !ok || e.exp <= now.UnixNano() {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V, exp time.Time) {
	s := c.shard(k)
	s.mu.Lock()
	if len(s.m) >= c.perShard {
		clear(s.m)
	}
	s.m[k] = entry[V]{v: v, exp: exp.UnixNano()}
	s.mu.Unlock()
}
