// Package image_test opens the image `make image` builds (hack/image.sh)
// as a registry or kind would receive it: the docker-save tarball and the
// OCI layout. WEIR_IMAGE_TAR names a tarball built beforehand on this
// machine (its OCI layout beside it in image/); without it the test builds one
// into a temporary directory (a minute or two: weir, then compiling
// every built-in source).
package image_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	testRef    = "ghcr.io/weir-dev/weir:image-test"
	binaryPath = "usr/local/bin/weir"
	cachePath  = "usr/local/lib/weir/wazero-cache"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// built is the image under test: its tarball, the OCI layout beside it,
// and the reference it was built as ("" when given from outside).
func built(t *testing.T) (tarPath, layoutDir, ref string) {
	t.Helper()
	if p := os.Getenv("WEIR_IMAGE_TAR"); p != "" {
		return p, filepath.Join(filepath.Dir(p), "image"), ""
	}
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(repoRoot(t), "hack/image.sh"), testRef, out)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "VERSION=image-test")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/image.sh: %v\n%s", err, b)
	}
	return filepath.Join(out, "weir-image.tar"), filepath.Join(out, "image"), testRef
}

type entry struct {
	hdr  *tar.Header
	body []byte // small files only
}

type image struct {
	repoTags []string
	config   struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Config       struct {
			User       string            `json:"User"`
			Entrypoint []string          `json:"Entrypoint"`
			Cmd        []string          `json:"Cmd"`
			Env        []string          `json:"Env"`
			Labels     map[string]string `json:"Labels"`
		} `json:"config"`
	}
	files map[string]entry // by path without the leading /, the upper layer's winning
}

// open reads a docker-save tarball: manifest.json, the config, then each
// layer in order; the binary and the cache are extracted into dir.
func open(t *testing.T, tarPath, dir string) *image {
	t.Helper()
	outer := map[string][]byte{}
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", tarPath, err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		outer[h.Name] = b
	}
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(outer["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json: %v (%d images), want one image", err, len(manifest))
	}
	img := &image{repoTags: manifest[0].RepoTags, files: map[string]entry{}}
	if err := json.Unmarshal(outer[manifest[0].Config], &img.config); err != nil {
		t.Fatalf("config %s: %v", manifest[0].Config, err)
	}
	for _, l := range manifest[0].Layers {
		gz, err := gzip.NewReader(bytes.NewReader(outer[l]))
		if err != nil {
			t.Fatalf("layer %s: %v", l, err)
		}
		lr := tar.NewReader(gz)
		for {
			h, err := lr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("layer %s: %v", l, err)
			}
			name := strings.TrimSuffix(strings.TrimPrefix(path.Clean("/"+h.Name), "/"), "/")
			e := entry{hdr: h}
			switch {
			case h.Typeflag != tar.TypeReg:
			case name == binaryPath || strings.HasPrefix(name, cachePath+"/"):
				extract(t, lr, filepath.Join(dir, filepath.FromSlash(name)), h.FileInfo().Mode())
			default:
				if e.body, err = io.ReadAll(lr); err != nil {
					t.Fatal(err)
				}
			}
			img.files[name] = e
		}
	}
	return img
}

func extract(t *testing.T, r io.Reader, dst string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm()|0o200)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// declaredSources are the sources with a plugin/ main: the image's weir
// must carry every one.
func declaredSources(t *testing.T) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(repoRoot(t), "plugins/sources/*/plugin"))
	var ids []string
	for _, d := range dirs {
		ids = append(ids, filepath.Base(filepath.Dir(d)))
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		t.Fatal("no plugins/sources/*/plugin")
	}
	return ids
}

func run(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("weir %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestImage(t *testing.T) {
	tarPath, layoutDir, ref := built(t)
	dir := t.TempDir()
	img := open(t, tarPath, dir)
	c := img.config.Config

	if ref != "" && !slices.Equal(img.repoTags, []string{ref}) {
		t.Errorf("RepoTags = %q, want [%s]", img.repoTags, ref)
	}
	if img.config.OS != "linux" || img.config.Architecture == "" {
		t.Errorf("platform = %s/%s, want linux/<arch>", img.config.OS, img.config.Architecture)
	}
	if !slices.Equal(c.Entrypoint, []string{"/" + binaryPath}) || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q, cmd %q, want [/%s] and none", c.Entrypoint, c.Cmd, binaryPath)
	}
	if c.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532 (numeric, for runAsNonRoot)", c.User)
	}
	if !slices.Contains(c.Env, "WEIR_BUILTIN_CACHE=/"+cachePath) {
		t.Errorf("env %q lacks WEIR_BUILTIN_CACHE=/%s", c.Env, cachePath)
	}

	if p := img.files["etc/passwd"]; !strings.Contains(string(p.body), "\nnonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd has no nonroot (65532) entry:\n%s", p.body)
	}
	if ca := img.files["etc/ssl/certs/ca-certificates.crt"]; !bytes.Contains(ca.body, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Error("/etc/ssl/certs/ca-certificates.crt holds no certificate")
	}
	if tmp, ok := img.files["tmp"]; !ok || tmp.hdr.FileInfo().Mode()&os.ModeSticky == 0 || tmp.hdr.Mode&0o777 != 0o777 {
		t.Errorf("/tmp missing or not 1777 (%v)", tmp.hdr)
	}
	if b, ok := img.files[binaryPath]; !ok || b.hdr.Mode&0o111 == 0 || b.hdr.Uid != 0 {
		t.Fatalf("/%s missing, not executable or not root's", binaryPath)
	}
	bin := filepath.Join(dir, binaryPath)
	if ef, err := elf.Open(bin); err != nil {
		t.Errorf("/%s: %v", binaryPath, err)
	} else {
		for _, p := range ef.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("/%s is dynamically linked: the image has no libc (build with CGO_ENABLED=0)", binaryPath)
			}
		}
		ef.Close()
	}

	// The binary runs in its image's environment.
	env := append(slices.Clone(c.Env), "HOME="+dir, "TMPDIR="+dir)
	if v := strings.TrimSpace(run(t, bin, env, "version")); v == "" || v != c.Labels["org.opencontainers.image.version"] {
		t.Errorf("weir version = %q, image label version = %q", v, c.Labels["org.opencontainers.image.version"])
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(run(t, bin, env, "plugin", "list")), "\n") {
		ids = append(ids, strings.Fields(line)[0])
	}
	if want := declaredSources(t); !slices.Equal(ids, want) {
		t.Errorf("weir plugin list in the image = %q, want %q", ids, want)
	}
	if ref != "" && !strings.Contains(run(t, bin, env, "manager", "--help"), `(default "`+ref+`")`) {
		t.Errorf("weir manager --help: --image does not default to the image's own reference %s", ref)
	}

	// The precompiled code covers every built-in and, on the machine that
	// built it (WEIR_IMAGE_TAR must come from this one), is used as is:
	// precompiling again over a copy compiles nothing.
	subdirs, _ := filepath.Glob(filepath.Join(dir, cachePath, "wazero-*"))
	if len(subdirs) != 1 {
		t.Fatalf("/%s holds %q, want one wazero-<version>-<arch>-<os> directory", cachePath, subdirs)
	}
	mods, _ := os.ReadDir(subdirs[0])
	if len(mods) < len(ids) {
		t.Fatalf("/%s holds %d compiled modules, want one per built-in (%d)", cachePath, len(mods), len(ids))
	}
	copyDir := filepath.Join(t.TempDir(), "cache")
	if err := os.CopyFS(copyDir, os.DirFS(filepath.Join(dir, cachePath))); err != nil {
		t.Fatal(err)
	}
	out := run(t, bin, env, "plugin", "precompile", "--cache-dir", copyDir)
	if strings.Count(out, "\tcached\n") != len(ids) {
		t.Errorf("precompiling over the image's cache:\n%s\nwant every built-in cached", out)
	}

	// `weir ingest` as a Job pod runs it (the image's environment, /tmp
	// its only writable place) loads postgresql from the baked code:
	// its cache gains links, no compiled module of its own.
	tmp := t.TempDir()
	pipeline := filepath.Join(tmp, "pipeline.yaml")
	if err := os.WriteFile(pipeline, []byte("name: image-test\nruns:\n  - postgresql: {host: 127.0.0.1, port: 1, user: u, password: p}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "ingest", "--dry-run", "-c", pipeline)
	cmd.Env = append(slices.Clone(c.Env), "HOME="+tmp, "TMPDIR="+tmp)
	for i, e := range cmd.Env {
		if v, ok := strings.CutPrefix(e, "WEIR_BUILTIN_CACHE="); ok {
			cmd.Env[i] = "WEIR_BUILTIN_CACHE=" + filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(v, "/")))
		}
	}
	b, _ := cmd.CombinedOutput() // nothing listens on port 1: the source fails after loading
	if !strings.Contains(string(b), "127.0.0.1:1") {
		t.Fatalf("weir ingest did not reach the postgresql source:\n%s", b)
	}
	var links, own int
	walkErr := filepath.WalkDir(filepath.Join(tmp, "weir-plugin-cache"), func(_ string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
		case d.Type()&os.ModeSymlink != 0:
			links++
		default:
			own++
		}
		return nil
	})
	if walkErr != nil {
		t.Fatalf("read weir ingest's plugin cache: %v", walkErr)
	}
	if links < len(ids) || own != 0 {
		t.Errorf("after weir ingest, its cache holds %d links to the image's code and %d modules it compiled, want >= %d and 0", links, own, len(ids))
	}

	// The OCI layout beside the tarball names the same image.
	var index struct {
		Manifests []struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	b, err := os.ReadFile(filepath.Join(layoutDir, "index.json"))
	if err != nil {
		t.Fatalf("OCI layout: %v", err)
	}
	if err := json.Unmarshal(b, &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("OCI layout index.json: %v, %d manifests, want 1", err, len(index.Manifests))
	}
	if got := index.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; got == "" || (ref != "" && got != ref) {
		t.Errorf("OCI layout ref.name = %q, want %q", got, ref)
	}
	if _, err := os.Stat(filepath.Join(layoutDir, "oci-layout")); err != nil {
		t.Errorf("OCI layout: %v", err)
	}
}
