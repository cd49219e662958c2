package engine

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/cache"
)

// json.match_schema is deterministic, yet OPA validates the document on
// every call (its value cache keeps only the compiled schema): for the
// typical Run, whose source configs are checked against data.sources'
// schemas, that was ~130 of ~950 allocations per decision. The same
// config is decided again and again (mutating webhook, validating webhook,
// reconciler), so a bundle's value cache also keeps the results, in a
// named bucket that only Weir's value caches configure (newValueCache):
// any other evaluation in the process calls the built-in as before.

// matchResultsCache names the bucket of json.match_schema results.
const matchResultsCache = "weir.json.match_schema"

// matchResultEntries bounds the results kept per bundle and revision.
const matchResultEntries = 1024

// matchResultsConfig enables the results bucket in a value cache's config.
func matchResultsConfig() map[string]*cache.NamedValueCacheConfig {
	n := matchResultEntries
	return map[string]*cache.NamedValueCacheConfig{matchResultsCache: {MaxNumEntries: &n}}
}

// cachedMatchSchema answers json.match_schema(doc, schema) from the
// bucket, or calls inner and keeps what it answered. Operands holding a
// lazily converted part of an input are neither looked up nor kept: the
// bucket is shared by concurrent decisions, and comparing such a value
// converts it (shareable, constants.go). operands hold the two arguments
// and, when the call's result is assigned, the output term.
func cachedMatchSchema(bctx topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error, inner topdown.BuiltinFunc) error {
	var bucket cache.InterQueryValueCacheBucket
	if bctx.InterQueryBuiltinValueCache != nil {
		bucket = bctx.InterQueryBuiltinValueCache.GetCache(matchResultsCache)
	}
	if bucket == nil || len(operands) < 2 || !shareable(operands[0].Value) || !shareable(operands[1].Value) {
		return inner(bctx, operands, iter)
	}
	key := ast.NewArray(operands[0], operands[1])
	if v, ok := bucket.Get(key); ok {
		return iter(v.(*ast.Term))
	}
	return inner(bctx, operands, func(result *ast.Term) error {
		bucket.Insert(key, result)
		return iter(result)
	})
}
