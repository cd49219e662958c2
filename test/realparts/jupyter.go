package realparts

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// JupyterNotebook is Debian's classic Notebook 6.4 server.
const JupyterNotebook = "/usr/bin/jupyter-notebook"

// Jupyter is a running notebook server.
type Jupyter struct {
	// Addr is its host:port, for a Route's Upstream.
	Addr string
	// BaseURL is the path prefix it serves under, starting and ending in /.
	BaseURL string
	// Dir is its notebook directory; it holds Untitled.ipynb, one code
	// cell with print(6*7).
	Dir string
}

// StartJupyter starts jupyter-notebook under baseURL (e.g.
// "/workspaces/ns/name/") with no token or password, a private home and
// Jupyter directories, and waits until <baseURL>api answers.
//
// The origin check is Notebook's own (a WebSocket's Origin must match the
// Host it was sent to), so a proxy in front must keep the client's Host, as
// Caddy's reverse_proxy does.
func StartJupyter(t TB, baseURL string) *Jupyter {
	t.Helper()
	if !strings.HasPrefix(baseURL, "/") || !strings.HasSuffix(baseURL, "/") {
		t.Fatalf("StartJupyter: baseURL %q must start and end with /", baseURL)
	}
	if _, err := os.Stat(JupyterNotebook); err != nil {
		t.Fatalf("%s is missing: install Debian's jupyter-notebook (apt-get install jupyter-notebook; .ci/run does): %v", JupyterNotebook, err)
	}
	home := t.TempDir()
	nbDir := filepath.Join(home, "notebooks")
	if err := os.MkdirAll(nbDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nbDir, "Untitled.ipynb"), untitledNotebook(), 0o600); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		j := &Jupyter{Addr: fmt.Sprintf("127.0.0.1:%d", port), BaseURL: baseURL, Dir: nbDir}
		cmd := exec.Command(JupyterNotebook,
			"--no-browser",
			"--ip=127.0.0.1",
			fmt.Sprintf("--port=%d", port),
			"--port-retries=0", // a taken port is an error, not a silent move
			"--NotebookApp.base_url="+baseURL,
			"--NotebookApp.token=",
			"--NotebookApp.password=",
			"--NotebookApp.notebook_dir="+nbDir,
			// Requests come through the proxy with its Host, not 127.0.0.1.
			"--NotebookApp.allow_remote_access=True",
			// Use the proxy's X-Forwarded-Proto/-For for URLs and logs.
			"--NotebookApp.trust_xheaders=True",
			"--NotebookApp.open_browser=False",
			"--MappingKernelManager.cull_idle_timeout=0",
		)
		if os.Geteuid() == 0 {
			cmd.Args = append(cmd.Args, "--allow-root") // CI containers run as root
		}
		cmd.Dir = nbDir
		cmd.Env = privateEnv(home,
			"JUPYTER_CONFIG_DIR="+filepath.Join(home, ".jupyter"),
			"JUPYTER_DATA_DIR="+filepath.Join(home, ".local", "share", "jupyter"),
			"JUPYTER_RUNTIME_DIR="+filepath.Join(home, ".run", "jupyter"),
			"IPYTHONDIR="+filepath.Join(home, ".ipython"),
			"JUPYTER_NO_CONFIG=1",
			"PYTHONNOUSERSITE=1",
		)
		p := start(t, "jupyter", cmd)
		api := "http://" + j.Addr + baseURL + "api"
		err := p.waitFor(60*time.Second, func() error { return getOK(api) })
		if err == nil {
			return j
		}
		p.stop()
		if attempt < 3 && strings.Contains(p.output(), "is already in use") {
			continue
		}
		t.Fatal(err)
	}
}

// untitledNotebook is an nbformat 4 notebook with one code cell.
func untitledNotebook() []byte {
	nb := map[string]any{
		"nbformat":       4,
		"nbformat_minor": 5,
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"name": "python3", "display_name": "Python 3", "language": "python"},
			"language_info": map[string]any{"name": "python"},
		},
		"cells": []any{map[string]any{
			"cell_type":       "code",
			"id":              "c0ffee00",
			"metadata":        map[string]any{},
			"execution_count": nil,
			"outputs":         []any{},
			"source":          []string{"print(6*7)"},
		}},
	}
	b, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		panic(err)
	}
	return b
}
