package host

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"
)

// maxGrantedFile bounds a granted file: tokens and small credential
// files, not data.
const maxGrantedFile = 1 << 20

// kubeCredentials are where a pod's Kubernetes API credentials are
// mounted. weir authenticates to Marmot with that token, so no module
// is ever given a file there, whatever a variable names.
var kubeCredentials = []string{"/var/run/secrets/kubernetes.io", "/run/secrets/kubernetes.io"}

// hostFiles are the granted files: guest directory -> its files. The
// module sees each directory holding only those files, at the same
// paths as on the host.
type hostFiles map[string]filesFS

// add grants the file at p, or says why not.
func (h hostFiles) add(p string) string {
	if !filepath.IsAbs(p) || filepath.Clean(p) != p || filepath.Separator != '/' {
		return "the value must be an absolute, clean path (such as /var/run/secrets/eks.amazonaws.com/serviceaccount/token)"
	}
	resolved := p
	if r, err := filepath.EvalSymlinks(p); err == nil {
		resolved = r
	}
	for _, c := range kubeCredentials {
		for _, q := range []string{p, resolved} {
			if q == c || strings.HasPrefix(q, c+"/") {
				return "it is under " + c + ", the pod's Kubernetes credentials, which no module is given"
			}
		}
	}
	dir, base := path.Split(p)
	dir = path.Clean(dir)
	if dir == certDir {
		return "its directory " + certDir + " is where the host puts the CA bundle"
	}
	if h[dir] == nil {
		h[dir] = filesFS{}
	}
	h[dir][base] = p
	return ""
}

func (h hostFiles) count() int {
	n := 0
	for _, f := range h {
		n += len(f)
	}
	return n
}

// filesFS is a read-only directory of host files (name -> host path).
// Each open reads the file anew, so a token the kubelet rotates is read
// fresh; fs.FS has no write methods, so the module cannot change it.
type filesFS map[string]string

func (f filesFS) Open(name string) (fs.File, error) {
	m := fstest.MapFS{}
	for base := range f {
		m[base] = &fstest.MapFile{Mode: 0o444}
	}
	if hostPath, ok := f[name]; ok {
		b, err := readLimited(hostPath)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		m[name].Data = b
	}
	return m.Open(name)
}

func readLimited(p string) ([]byte, error) {
	file, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fs.ErrNotExist
		}
		return nil, fs.ErrPermission
	}
	defer file.Close()
	if st, err := file.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fs.ErrPermission // a device, pipe or directory is no credential file
	}
	b, err := io.ReadAll(io.LimitReader(file, maxGrantedFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxGrantedFile {
		return nil, fmt.Errorf("larger than %d bytes: %w", maxGrantedFile, fs.ErrPermission)
	}
	return b, nil
}
