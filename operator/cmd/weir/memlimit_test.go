package main

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	write := func(t *testing.T, rel, content string) string {
		root := t.TempDir()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return root
	}
	for _, tc := range []struct {
		name, file, content string
		want                int64
	}{
		{"v2 512Mi", "sys/fs/cgroup/memory.max", "536870912\n", 483183820},
		{"v2 unlimited", "sys/fs/cgroup/memory.max", "max\n", 0},
		{"v1 512Mi", "sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912\n", 483183820},
		{"v1 unlimited", "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n", 0},
		{"no cgroup files", "elsewhere", "1", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			got := setMemoryLimit(write(t, tc.file, tc.content))
			if got != tc.want {
				t.Fatalf("setMemoryLimit = %d, want %d", got, tc.want)
			}
			want := tc.want
			if want == 0 {
				want = math.MaxInt64
			}
			if cur := debug.SetMemoryLimit(-1); cur != want {
				t.Errorf("Go's memory limit = %d, want %d", cur, want)
			}
		})
	}
	t.Run("GOMEMLIMIT wins", func(t *testing.T) {
		t.Setenv("GOMEMLIMIT", "100MiB")
		debug.SetMemoryLimit(math.MaxInt64)
		if got := setMemoryLimit(write(t, "sys/fs/cgroup/memory.max", "536870912")); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
			t.Errorf("with GOMEMLIMIT set: limit %d", got)
		}
	})
}
