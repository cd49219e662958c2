package helm_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

const pluginCacheDir = "/var/cache/weir/plugins"

// The manager's root filesystem is read-only, so fetched SourcePlugin modules
// and wazero's compiled code need a writable volume at the directory the
// --plugin-cache-dir flag names, whatever the webhook settings.
func TestPluginCache(t *testing.T) {
	for _, tc := range []struct {
		args []string
		size string
	}{
		{nil, "1Gi"},
		{[]string{"--set", "webhooks.enabled=false"}, "1Gi"},
		{[]string{"--set", "certManager.enabled=true"}, "1Gi"},
		{[]string{"--set", "plugins.cacheSizeLimit=4Gi"}, "4Gi"},
	} {
		dep := only[appsv1.Deployment](t, render(t, tc.args...), "Deployment")
		checkPluginCache(t, dep, tc.size)
		checkPodSecurity(t, dep)
	}
}

func TestPluginCacheSchema(t *testing.T) {
	out, err := helm(t, "template", chartDir, "--set", "plugins.cacheSizeLimit=lots")
	if err == nil {
		t.Fatal("plugins.cacheSizeLimit=lots rendered, want a schema error")
	}
	if !strings.Contains(out, "cacheSizeLimit") {
		t.Errorf("schema error does not name cacheSizeLimit:\n%s", out)
	}
}

// checkPluginCache asserts the flag, a writable mount of that directory, and
// an emptyDir volume behind it with the given size limit ("" for none).
func checkPluginCache(t *testing.T, dep appsv1.Deployment, size string) {
	t.Helper()
	c := dep.Spec.Template.Spec.Containers[0]
	checkArgs(t, c.Args, []string{"--plugin-cache-dir=" + pluginCacheDir})
	var mount *corev1.VolumeMount
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].MountPath == pluginCacheDir {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Fatalf("no volume mounted at %s: %+v", pluginCacheDir, c.VolumeMounts)
	}
	if mount.ReadOnly {
		t.Errorf("plugin cache mounted read-only")
	}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.Name != mount.Name {
			continue
		}
		if v.EmptyDir == nil {
			t.Fatalf("plugin cache volume %s is not an emptyDir: %+v", v.Name, v.VolumeSource)
		}
		if v.EmptyDir.Medium == corev1.StorageMediumMemory {
			t.Errorf("plugin cache is in memory; compiled modules would count against the manager's memory limit")
		}
		switch got := v.EmptyDir.SizeLimit; {
		case size == "" && got != nil:
			t.Errorf("sizeLimit = %s, want none", got)
		case size != "" && (got == nil || got.Cmp(resource.MustParse(size)) != 0):
			t.Errorf("sizeLimit = %v, want %s", got, size)
		}
		return
	}
	t.Errorf("no volume named %s", mount.Name)
}

// plugins.sandbox.* become the manager's --plugin-allow-* flags, which it
// writes into every Run's pipeline.yaml; off by default, booleans only.
func TestPluginSandboxValues(t *testing.T) {
	const linkLocal, metadata = "--plugin-allow-link-local=true", "--plugin-allow-metadata=true"
	for _, tc := range []struct {
		args       []string
		want, none []string
	}{
		{nil, nil, []string{"--plugin-allow-link-local", "--plugin-allow-metadata"}},
		{[]string{"--set", "plugins.sandbox.allowLinkLocal=true"}, []string{linkLocal}, []string{"--plugin-allow-metadata"}},
		{[]string{"--set", "plugins.sandbox.allowMetadata=true"}, []string{metadata}, []string{"--plugin-allow-link-local"}},
		{[]string{"--set", "plugins.sandbox.allowLinkLocal=true", "--set", "plugins.sandbox.allowMetadata=true"}, []string{linkLocal, metadata}, nil},
	} {
		args := only[appsv1.Deployment](t, render(t, tc.args...), "Deployment").Spec.Template.Spec.Containers[0].Args
		for _, w := range tc.want {
			if !slices.Contains(args, w) {
				t.Errorf("%v: args %q lack %s", tc.args, args, w)
			}
		}
		for _, n := range tc.none {
			if hasPrefix(args, n) {
				t.Errorf("%v: args %q have %s", tc.args, args, n)
			}
		}
	}
	out, err := helm(t, "template", chartDir, "--set-string", "plugins.sandbox.allowMetadata=yes")
	if err == nil || !strings.Contains(out, "allowMetadata") {
		t.Errorf("plugins.sandbox.allowMetadata=\"yes\" rendered, want a schema error naming it:\n%s", out)
	}
}
