// Package kwok is the harness Weir's end-to-end tests and make demo share
// on a local kwok cluster (hack/cluster.sh): bring the cluster up, run
// kubectl and impersonating clients against it, stage what kwok lacks (a
// default StorageClass, volumes, a quota controller that counts
// Workspaces), and run bin/weir's manager as a local process with local
// webhooks.
//
// Every function takes realparts.TB: a test passes its *testing.T, the
// demo its own TB (whose Fatal panics). Nothing here builds a binary: the
// callers name K8S_BIN, WEIR and the like.
package kwok
