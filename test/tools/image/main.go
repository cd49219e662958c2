// Command image assembles Weir's OCI image from files on this machine,
// without a Docker daemon and without pulling a base image: the static
// weir binary, the built-ins' precompiled wazero cache, this machine's CA
// certificates and a passwd entry for the nonroot user (uid 65532, which
// the restricted pod security profile's runAsNonRoot needs as a number).
// It writes an OCI layout directory and a docker-save tarball, which
// `crane push`, `kind load image-archive` and `docker load` accept.
// hack/image.sh (make image) builds the inputs and runs it.
package main

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Paths inside the image; the Dockerfile uses the same ones.
const (
	binaryPath = "/usr/local/bin/weir"
	cachePath  = "/usr/local/lib/weir/wazero-cache"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	nonroot    = 65532
)

// caCandidates are where Linux distributions and macOS keep the system
// bundle; the first that exists is copied.
var caCandidates = []string{
	"/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine, Arch
	"/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL
	"/etc/ssl/ca-bundle.pem",             // openSUSE
	"/etc/ssl/cert.pem",                  // macOS, Alpine
}

type options struct {
	binary, cache, ca, ref, version, arch, layoutDir, tarPath string
	created                                                   time.Time
}

func main() {
	var o options
	var epoch int64
	flag.StringVar(&o.binary, "binary", "", "static linux weir binary (CGO_ENABLED=0)")
	flag.StringVar(&o.cache, "cache", "", "directory written by `weir plugin precompile --cache-dir` (\"\": the image has none)")
	flag.StringVar(&o.ca, "ca", "", "PEM bundle of CA certificates (default: this machine's)")
	flag.StringVar(&o.ref, "ref", "", "image reference the tarball names, e.g. ghcr.io/weir-dev/weir:0.1.0")
	flag.StringVar(&o.version, "version", "dev", "Weir's version, for the image's labels")
	flag.StringVar(&o.arch, "arch", runtime.GOARCH, "the binary's GOARCH")
	flag.StringVar(&o.layoutDir, "layout", "", "OCI layout directory to write (replaced)")
	flag.StringVar(&o.tarPath, "tar", "", "docker-save tarball to write")
	flag.Int64Var(&epoch, "epoch", 0, "file and image times, in Unix seconds (SOURCE_DATE_EPOCH), so builds are reproducible")
	flag.Parse()
	o.created = time.Unix(epoch, 0).UTC()
	if err := build(o); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func build(o options) error {
	if o.binary == "" || o.ref == "" || o.layoutDir == "" || o.tarPath == "" {
		return errors.New("-binary, -ref, -layout and -tar are required")
	}
	ref, err := name.ParseReference(o.ref)
	if err != nil {
		return fmt.Errorf("-ref %q: %w", o.ref, err)
	}
	if o.ca == "" {
		for _, c := range caCandidates {
			if _, err := os.Stat(c); err == nil {
				o.ca = c
				break
			}
		}
		if o.ca == "" {
			return fmt.Errorf("no CA bundle found at %v: pass -ca FILE", caCandidates)
		}
	}
	tmp, err := os.MkdirTemp("", "weir-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Two layers: the rarely changing base, then what each build changes.
	base, err := layer(filepath.Join(tmp, "base.tar.gz"), o.created, func(w *layerWriter) error {
		w.dir("etc", 0o755, 0)
		w.file("etc/passwd", 0o644, 0, []byte("root:x:0:0:root:/root:/sbin/nologin\n"+
			"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"))
		w.file("etc/group", 0o644, 0, []byte("root:x:0:\nnonroot:x:65532:\n"))
		w.dir("etc/ssl", 0o755, 0)
		w.dir("etc/ssl/certs", 0o755, 0)
		w.copyFile(caPath[1:], 0o644, o.ca)
		w.dir("home", 0o755, 0)
		w.dir("home/nonroot", 0o700, nonroot)
		w.dir("tmp", 0o1777, 0)
		return w.err
	})
	if err != nil {
		return err
	}
	app, err := layer(filepath.Join(tmp, "weir.tar.gz"), o.created, func(w *layerWriter) error {
		w.dir("usr", 0o755, 0)
		w.dir("usr/local", 0o755, 0)
		w.dir("usr/local/bin", 0o755, 0)
		w.copyFile(binaryPath[1:], 0o755, o.binary)
		w.dir("usr/local/lib", 0o755, 0)
		w.dir("usr/local/lib/weir", 0o755, 0)
		if o.cache != "" {
			w.tree(cachePath[1:], o.cache)
		}
		return w.err
	})
	if err != nil {
		return err
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{Created: v1.Time{Time: o.created}, CreatedBy: "test/tools/image: passwd, CA certificates, /tmp"}},
		mutate.Addendum{Layer: app, MediaType: types.OCILayer, History: v1.History{Created: v1.Time{Time: o.created}, CreatedBy: "test/tools/image: weir and its precompiled built-in sources"}},
	)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Created = "linux", o.arch, v1.Time{Time: o.created}
	env := []string{"PATH=/usr/local/bin", "SSL_CERT_FILE=" + caPath, "HOME=/home/nonroot"}
	if o.cache != "" {
		env = append(env, "WEIR_BUILTIN_CACHE="+cachePath)
	}
	cfg.Config = v1.Config{
		User:       strconv.Itoa(nonroot) + ":" + strconv.Itoa(nonroot),
		Entrypoint: []string{binaryPath},
		Env:        env,
		WorkingDir: "/home/nonroot",
		Labels: map[string]string{
			"org.opencontainers.image.title":   "weir",
			"org.opencontainers.image.version": o.version,
			"org.opencontainers.image.source":  "https://github.com/weir-dev/weir",
		},
	}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}

	if err := os.RemoveAll(o.layoutDir); err != nil {
		return err
	}
	p, err := layout.Write(o.layoutDir, empty.Index)
	if err != nil {
		return fmt.Errorf("-layout %s: %w", o.layoutDir, err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref.Name()})); err != nil {
		return fmt.Errorf("-layout %s: %w", o.layoutDir, err)
	}
	if err := os.MkdirAll(filepath.Dir(o.tarPath), 0o755); err != nil {
		return err
	}
	if err := tarball.WriteToFile(o.tarPath, ref, img); err != nil {
		return fmt.Errorf("-tar %s: %w", o.tarPath, err)
	}
	d, _ := img.Digest()
	fmt.Printf("%s %s\n  OCI layout: %s\n  tarball:    %s\n", ref.Name(), d, o.layoutDir, o.tarPath)
	return nil
}

// layer writes a gzipped tar to file with fill and opens it as a layer;
// gzipping once here spares go-containerregistry recompressing it for
// each output.
func layer(file string, mtime time.Time, fill func(*layerWriter) error) (v1.Layer, error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	w := &layerWriter{tw: tar.NewWriter(gz), mtime: mtime}
	if err := fill(w); err != nil {
		return nil, err
	}
	if err := w.tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(file, tarball.WithMediaType(types.OCILayer))
}

// layerWriter adds entries owned by root (unless told otherwise) with one
// fixed time; the first error sticks.
type layerWriter struct {
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func (w *layerWriter) header(h *tar.Header) bool {
	if w.err != nil {
		return false
	}
	h.ModTime, h.Format = w.mtime, tar.FormatPAX
	h.Uname, h.Gname = "", ""
	w.err = w.tw.WriteHeader(h)
	return w.err == nil
}

func (w *layerWriter) dir(name string, mode int64, uid int) {
	w.header(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: uid, Gid: uid})
}

func (w *layerWriter) file(name string, mode int64, uid int, b []byte) {
	if w.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: uid, Gid: uid, Size: int64(len(b))}) {
		_, w.err = w.tw.Write(b)
	}
}

func (w *layerWriter) copyFile(name string, mode int64, src string) {
	if w.err != nil {
		return
	}
	f, err := os.Open(src)
	if err != nil {
		w.err = err
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		w.err = err
		return
	}
	if w.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: st.Size()}) {
		_, w.err = io.Copy(w.tw, f)
	}
}

// tree copies the directory src to name, in name order, readable by all
// and writable by none but root (the cache is read-only at run time).
func (w *layerWriter) tree(name, src string) {
	var paths []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return fmt.Errorf("%s: only directories and regular files belong in the cache", p)
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		w.err = err
		return
	}
	sort.Strings(paths)
	for _, p := range paths {
		rel, _ := filepath.Rel(src, p)
		dst := path.Join(name, filepath.ToSlash(rel))
		if st, err := os.Stat(p); err != nil {
			w.err = err
		} else if st.IsDir() {
			w.dir(dst, 0o755, 0)
		} else {
			w.copyFile(dst, 0o644, p)
		}
	}
}
