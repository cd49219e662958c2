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

// A cluster-wide CA bundle for fetching SourcePlugin modules reaches the
// manager as --plugin-ca-file on a read-only ConfigMap volume, from PEM in
// the values (the chart's ConfigMap) or a ConfigMap the admin keeps.
func TestPluginCABundleValues(t *testing.T) {
	const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	for _, tc := range []struct {
		args          []string
		configMap, fl string
	}{
		{[]string{"--set-string", "plugins.caBundle.pem=" + pem}, "weir-plugin-ca", "--plugin-ca-file=/etc/weir/plugin-ca/ca.crt"},
		{[]string{"--set", "plugins.caBundle.configMap=trust", "--set", "plugins.caBundle.key=bundle.pem"}, "trust", "--plugin-ca-file=/etc/weir/plugin-ca/bundle.pem"},
	} {
		docs := render(t, tc.args...)
		spec := only[appsv1.Deployment](t, docs, "Deployment").Spec.Template.Spec
		if !slices.Contains(spec.Containers[0].Args, tc.fl) {
			t.Errorf("%v: args %q lack %s", tc.args, spec.Containers[0].Args, tc.fl)
		}
		i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == "plugin-ca" })
		if i < 0 || spec.Volumes[i].ConfigMap == nil || spec.Volumes[i].ConfigMap.Name != tc.configMap {
			t.Errorf("%v: no plugin-ca volume from ConfigMap %s: %+v", tc.args, tc.configMap, spec.Volumes)
		}
		m := slices.IndexFunc(spec.Containers[0].VolumeMounts, func(v corev1.VolumeMount) bool { return v.Name == "plugin-ca" })
		if m < 0 || !spec.Containers[0].VolumeMounts[m].ReadOnly {
			t.Errorf("%v: plugin-ca not mounted read-only: %+v", tc.args, spec.Containers[0].VolumeMounts)
		}
		if tc.configMap == "weir-plugin-ca" {
			cm := only[corev1.ConfigMap](t, docs, "ConfigMap")
			if cm.Name != tc.configMap || cm.Data["ca.crt"] != pem {
				t.Errorf("ConfigMap %s data %q, want %s with the PEM", cm.Name, cm.Data, tc.configMap)
			}
		}
	}
	args := only[appsv1.Deployment](t, render(t), "Deployment").Spec.Template.Spec.Containers[0].Args
	if hasPrefix(args, "--plugin-ca-file") {
		t.Errorf("default values pass --plugin-ca-file: %q", args)
	}
	if out, err := helm(t, "template", chartDir, "--set", "plugins.caBundle.pem=a", "--set", "plugins.caBundle.configMap=b"); err == nil || !strings.Contains(out, "caBundle") {
		t.Errorf("pem and configMap both set rendered, want a schema error naming caBundle:\n%s", out)
	}
}

// The manager's memory limit covers a SourcePlugin describe, which compiles
// the module in a child process (measured ~280 MiB).
func TestManagerMemoryCoversDescribe(t *testing.T) {
	res := only[appsv1.Deployment](t, render(t), "Deployment").Spec.Template.Spec.Containers[0].Resources
	if lim := res.Limits[corev1.ResourceMemory]; lim.Cmp(resource.MustParse("384Mi")) < 0 {
		t.Errorf("manager memory limit %s, want at least 384Mi (a describe peaks near 280 MiB on top of the manager)", lim.String())
	}
}
