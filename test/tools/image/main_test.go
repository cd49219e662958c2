package main

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// What the builder writes is what crane and registries accept: the
// tarball loads and pushes to a registry, and pulls back as the same
// image as the OCI layout holds. (test/image checks the real image's
// contents.)
func TestTarballAndLayoutPushAsOneImage(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "weir")
	ca := filepath.Join(dir, "ca.pem")
	cache := filepath.Join(dir, "cache", "wazero-v0-amd64-linux")
	for p, body := range map[string]string{bin: "#!/bin/true\n", ca: "-----BEGIN CERTIFICATE-----\n", filepath.Join(cache, "ab12"): "code"} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := options{binary: bin, cache: filepath.Join(dir, "cache"), ca: ca, ref: "ghcr.io/weir-dev/weir:t", version: "t", arch: "amd64",
		layoutDir: filepath.Join(dir, "image"), tarPath: filepath.Join(dir, "weir-image.tar"), created: time.Unix(0, 0).UTC()}
	if err := build(o); err != nil {
		t.Fatal(err)
	}

	img, err := crane.Load(o.tarPath)
	if err != nil {
		t.Fatalf("crane.Load: %v", err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	dst := strings.TrimPrefix(srv.URL, "http://") + "/weir:t"
	if err := crane.Push(img, dst); err != nil {
		t.Fatalf("crane push: %v", err)
	}
	pulled, err := crane.Pull(dst)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(o.layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 {
		t.Fatalf("OCI layout: %v, %d manifests", err, len(im.Manifests))
	}
	// A docker-save tarball keeps no manifest (a push writes a Docker one),
	// so the images compare by config and layers.
	fromLayout, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	want := contentOf(t, fromLayout)
	if got := contentOf(t, pulled); !slices.Equal(got, want) {
		t.Fatalf("pushed and pulled from the tarball: %q, OCI layout: %q", got, want)
	}
	cfg, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" || !slices.Equal(cfg.Config.Entrypoint, []string{binaryPath}) ||
		!slices.Contains(cfg.Config.Env, "WEIR_BUILTIN_CACHE="+cachePath) {
		t.Fatalf("pulled config = %+v", cfg.Config)
	}

	// Reproducible: the same inputs give the same image.
	o2 := o
	o2.layoutDir, o2.tarPath = filepath.Join(dir, "image2"), filepath.Join(dir, "2.tar")
	if err := build(o2); err != nil {
		t.Fatal(err)
	}
	idx2, err := layout.ImageIndexFromPath(o2.layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	im2, _ := idx2.IndexManifest()
	if d1, d2 := im.Manifests[0].Digest, im2.Manifests[0].Digest; d1 != d2 {
		t.Errorf("a second build of the same inputs is %s, the first %s", d2, d1)
	}
}

// contentOf is an image's config digest and layers' diff IDs.
func contentOf(t *testing.T, img v1.Image) []string {
	t.Helper()
	c, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{c.String()}
	for _, d := range cf.RootFS.DiffIDs {
		out = append(out, d.String())
	}
	return out
}
