package host

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/tetratelabs/wazero"
)

// caches are the process's compilation caches, one per directory ("" for
// memory only). Sharing them means a module's bytes are compiled once per
// process, however many Modules load them; the directory carries the
// compiled code to the next process.
var caches = struct {
	sync.Mutex
	m map[string]wazero.CompilationCache
}{m: map[string]wazero.CompilationCache{}}

func compilationCache(dir string) (wazero.CompilationCache, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		dir = abs
	}
	caches.Lock()
	defer caches.Unlock()
	if c, ok := caches.m[dir]; ok {
		return c, nil
	}
	c := wazero.NewCompilationCache()
	if dir != "" {
		var err error
		if c, err = wazero.NewCompilationCacheWithDir(dir); err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
		}
	}
	caches.m[dir] = c
	return c, nil
}
