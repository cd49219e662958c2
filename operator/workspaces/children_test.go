package workspaces_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/workspaces"
)

// effective is a Workspace as the policies leave it: every field the
// builders read is set, the way the template and the samples set them.
func effective() *wsv1.Workspace {
	q := resource.MustParse
	return &wsv1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: "team-a", UID: "uid-1"},
		Spec: wsv1.WorkspaceSpec{
			Image:         "jupyter/scipy-notebook:latest",
			DesiredStatus: wsv1.DesiredRunning,
			TemplateRef:   "production-notebook-template",
			Resources: &corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: q("200m"), corev1.ResourceMemory: q("256Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: q("500m"), wsv1.ResourceGPU: q("1")},
			},
			Storage: &wsv1.WorkspaceStorage{
				StorageClassName: ptr.To("standard"), Size: ptr.To(q("5Gi")),
				MountPath: "/home/jovyan/work", ReclaimPolicy: wsv1.ReclaimDelete,
			},
			Volumes: []wsv1.WorkspaceVolume{
				{Name: "data-volume", PersistentVolumeClaimName: "shared-data-pvc", MountPath: "/data"},
				{Name: "models-volume", PersistentVolumeClaimName: "ml-models-pvc", MountPath: "/models", ReadOnly: true},
			},
			ContainerConfig: &wsv1.ContainerConfig{Command: []string{"/bin/bash"}, Args: []string{"-c", "start-notebook.sh"}},
			Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
				Exec: &corev1.ExecAction{Command: []string{"/bin/sh", "-c", "echo bye"}},
			}},
			NodeSelector: map[string]string{"node-type": "compute-optimized"},
			Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}},
				}}},
			}},
			Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			Env: []corev1.EnvVar{
				{Name: "ENVIRONMENT", Value: "production"},
				{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k",
				}}},
			},
		},
	}
}

func expectOwned(t *testing.T, m metav1.ObjectMeta, ws *wsv1.Workspace) {
	t.Helper()
	if len(m.OwnerReferences) != 1 {
		t.Fatalf("%s: owner references %v, want the Workspace as controller", m.Name, m.OwnerReferences)
	}
	o := m.OwnerReferences[0]
	if o.Kind != "Workspace" || o.APIVersion != wsv1.GroupVersion.String() || o.Name != ws.Name || o.UID != ws.UID || !ptr.Deref(o.Controller, false) {
		t.Errorf("%s: owner reference %+v", m.Name, o)
	}
	if m.Namespace != ws.Namespace {
		t.Errorf("%s: namespace %q", m.Name, m.Namespace)
	}
	if m.Labels[wsv1.LabelWorkspace] != ws.Name || m.Labels["app.kubernetes.io/managed-by"] != "weir" {
		t.Errorf("%s: labels %v", m.Name, m.Labels)
	}
	if m.Labels[wsv1.LabelTemplate] != ws.Spec.TemplateRef {
		t.Errorf("%s: template label %v", m.Name, m.Labels)
	}
	if m.Annotations[workspaces.AnnotationWorkspace] != ws.Name {
		t.Errorf("%s: annotations %v", m.Name, m.Annotations)
	}
}

func TestBuildDeploymentRunsTheEffectiveSpec(t *testing.T) {
	ws := effective()
	d := workspaces.BuildDeployment(ws, nil, "", 1, "")
	expectOwned(t, d.ObjectMeta, ws)
	if d.Name != "ws-lab" {
		t.Errorf("name %q", d.Name)
	}
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %d strategy %q, want 1 and Recreate", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("selector %v does not match the pod labels %v", sel, d.Spec.Template.Labels)
	}
	if !equality.Semantic.DeepEqual(d.Spec.Selector.MatchLabels, workspaces.ChildSelector(ws.Name)) {
		t.Errorf("selector %v, want ChildSelector %v", d.Spec.Selector.MatchLabels, workspaces.ChildSelector(ws.Name))
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("containers %v", pod.Containers)
	}
	c := pod.Containers[0]
	if c.Image != ws.Spec.Image || !equality.Semantic.DeepEqual(c.Resources, *ws.Spec.Resources) ||
		!equality.Semantic.DeepEqual(c.Env, ws.Spec.Env) || !equality.Semantic.DeepEqual(c.Lifecycle, ws.Spec.Lifecycle) {
		t.Errorf("container %+v does not carry the image, resources, env and lifecycle of %+v", c, ws.Spec)
	}
	if strings.Join(c.Command, " ") != "/bin/bash" || strings.Join(c.Args, " ") != "-c start-notebook.sh" {
		t.Errorf("command %q args %q", c.Command, c.Args)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8888 {
		t.Errorf("ports %v", c.Ports)
	}
	if !equality.Semantic.DeepEqual(pod.NodeSelector, ws.Spec.NodeSelector) || !equality.Semantic.DeepEqual(pod.Affinity, ws.Spec.Affinity) ||
		!equality.Semantic.DeepEqual(pod.Tolerations, ws.Spec.Tolerations) {
		t.Errorf("scheduling %v %v %v", pod.NodeSelector, pod.Affinity, pod.Tolerations)
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	claims := map[string]corev1.PersistentVolumeClaimVolumeSource{}
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim == nil {
			t.Errorf("volume %s is not a claim", v.Name)
			continue
		}
		claims[v.Name] = *v.PersistentVolumeClaim
	}
	for _, want := range []struct {
		claim, path string
		ro          bool
	}{{"ws-lab-home", "/home/jovyan/work", false}, {"shared-data-pvc", "/data", false}, {"ml-models-pvc", "/models", true}} {
		found := false
		for name, src := range claims {
			if src.ClaimName == want.claim {
				found = true
				if m := mounts[name]; m.MountPath != want.path || m.ReadOnly != want.ro || src.ReadOnly != want.ro {
					t.Errorf("claim %s mounted %+v (source %+v), want %s read-only %v", want.claim, m, src, want.path, want.ro)
				}
			}
		}
		if !found {
			t.Errorf("claim %s is not a volume: %v", want.claim, claims)
		}
	}
}

func TestBuildDeploymentPodIsRestricted(t *testing.T) {
	// Whatever the Workspace says; the envtest suite also has the API
	// server admit the pod into a namespace enforcing "restricted".
	pod := workspaces.BuildDeployment(effective(), nil, "", 1, "").Spec.Template.Spec
	psc, sc := pod.SecurityContext, pod.Containers[0].SecurityContext
	if !ptr.Deref(psc.RunAsNonRoot, false) || ptr.Deref(psc.RunAsUser, 0) != 1000 || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v", psc)
	}
	if !ptr.Deref(sc.RunAsNonRoot, false) || ptr.Deref(sc.AllowPrivilegeEscalation, true) ||
		len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 ||
		sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || ptr.Deref(sc.Privileged, false) {
		t.Errorf("container security context %+v", sc)
	}
	if ptr.Deref(pod.AutomountServiceAccountToken, true) || pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Errorf("pod %+v", pod)
	}
}

func TestReplicasAndStoppedDeployment(t *testing.T) {
	ws := effective()
	if workspaces.Replicas(ws, true) != 1 || workspaces.Replicas(ws, false) != 0 {
		t.Errorf("Running: valid %d invalid %d, want 1 and 0", workspaces.Replicas(ws, true), workspaces.Replicas(ws, false))
	}
	ws.Spec.DesiredStatus = wsv1.DesiredStopped
	if workspaces.Replicas(ws, true) != 0 {
		t.Errorf("Stopped: %d, want 0", workspaces.Replicas(ws, true))
	}
	if d := workspaces.BuildDeployment(ws, nil, "", workspaces.Replicas(ws, true), ""); *d.Spec.Replicas != 0 {
		t.Errorf("Stopped Deployment has %d replicas", *d.Spec.Replicas)
	}
	running := workspaces.BuildDeployment(effective(), nil, "", 1, "")
	stopped := workspaces.BuildDeployment(effective(), nil, "", 0, "")
	if running.Annotations["workspace.jupyter.org/spec-hash"] == stopped.Annotations["workspace.jupyter.org/spec-hash"] {
		t.Error("the spec hash does not change with the replicas, so a stop would not be written")
	}
}

func TestBuildServiceForwardsTheIDEPort(t *testing.T) {
	ws := effective()
	s := workspaces.BuildService(ws)
	expectOwned(t, s.ObjectMeta, ws)
	if s.Spec.Type != corev1.ServiceTypeClusterIP || len(s.Spec.Ports) != 1 ||
		s.Spec.Ports[0].Port != 8888 || s.Spec.Ports[0].TargetPort.IntValue() != 8888 {
		t.Errorf("service spec %+v", s.Spec)
	}
	if !equality.Semantic.DeepEqual(s.Spec.Selector, workspaces.ChildSelector(ws.Name)) {
		t.Errorf("selector %v", s.Spec.Selector)
	}
	d := workspaces.BuildDeployment(ws, nil, "", 1, "")
	if !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("the Service selects %v, not the IDE pod %v", s.Spec.Selector, d.Spec.Template.Labels)
	}
}

func TestBuildClaimHasTheEffectiveStorage(t *testing.T) {
	ws := effective()
	pvc := workspaces.BuildClaim(ws)
	expectOwned(t, pvc.ObjectMeta, ws)
	if got := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; got.Cmp(resource.MustParse("5Gi")) != 0 {
		t.Errorf("size %s", got.String())
	}
	if ptr.Deref(pvc.Spec.StorageClassName, "") != "standard" || len(pvc.Spec.AccessModes) != 1 || pvc.Spec.AccessModes[0] != corev1.ReadWriteOnce {
		t.Errorf("claim spec %+v", pvc.Spec)
	}
	st := workspaces.StorageStatus(ws)
	if st.ClaimName != pvc.Name || st.StorageClassName != "standard" || st.Size.String() != "5Gi" ||
		st.MountPath != "/home/jovyan/work" || st.ReclaimPolicy != wsv1.ReclaimDelete {
		t.Errorf("storage status %+v", st)
	}

	// Nothing set: Weir's defaults, and the cluster's default class (nil,
	// not "", which would mean "no class").
	bare := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: "n"}}
	pvc = workspaces.BuildClaim(bare)
	if got := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; got.String() != "10Gi" || pvc.Spec.StorageClassName != nil {
		t.Errorf("default claim %s class %v", got.String(), pvc.Spec.StorageClassName)
	}
	if _, ok := pvc.Labels[wsv1.LabelTemplate]; ok {
		t.Errorf("a Workspace without a template labels its claim %v", pvc.Labels)
	}
	if st := workspaces.StorageStatus(bare); st.MountPath != "/home/jovyan" || st.ReclaimPolicy != wsv1.ReclaimRetain {
		t.Errorf("default storage %+v", st)
	}
}

// longName is a valid Workspace name of the largest length, 253, with dots
// and dashes where a cut lands.
func longName(prefix string) string {
	n := prefix + strings.Repeat("abcdef-gh.", 30)
	return n[:252] + "z"
}

func TestChildNamesFitAndNeverCollide(t *testing.T) {
	type namer struct {
		name  string
		f     func(string) string
		max   int
		label bool // must be a DNS-1035 label (Service)
	}
	namers := []namer{
		{"deployment", workspaces.DeploymentName, 52, false},
		{"service", workspaces.ServiceName, 63, true},
		{"claim", workspaces.ClaimName, 253, false},
		{"label", workspaces.WorkspaceLabelValue, 63, false},
	}
	pairs := [][2]string{
		{longName("a-"), longName("b-")},
		{"a.b", "a-b"}, // dots become dashes where a name must be a label
		{"1lab", "2lab"},
	}
	for _, n := range namers {
		for _, p := range pairs {
			a, b := n.f(p[0]), n.f(p[1])
			if a == b {
				t.Errorf("%s: %q and %q both give %q", n.name, p[0], p[1], a)
			}
			for _, got := range []string{a, b} {
				if len(got) > n.max {
					t.Errorf("%s: %q is longer than %d", n.name, got, n.max)
				}
				if n.label {
					if errs := validation.IsDNS1035Label(got); len(errs) > 0 {
						t.Errorf("%s: %q: %v", n.name, got, errs)
					}
				} else if n.name == "label" {
					if errs := validation.IsValidLabelValue(got); len(errs) > 0 {
						t.Errorf("%s: %q: %v", n.name, got, errs)
					}
				} else if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
					t.Errorf("%s: %q: %v", n.name, got, errs)
				}
			}
			if n.f(p[0]) != a {
				t.Errorf("%s: not stable for %q", n.name, p[0])
			}
		}
	}
	if workspaces.ServiceName("lab") != "ws-lab" || workspaces.ClaimName("lab") != "ws-lab-home" || workspaces.WorkspaceLabelValue("lab") != "lab" {
		t.Errorf("short names: %q %q %q", workspaces.ServiceName("lab"), workspaces.ClaimName("lab"), workspaces.WorkspaceLabelValue("lab"))
	}
}

func TestURL(t *testing.T) {
	if got := (workspaces.Options{}).URL("team-a", "lab"); got != "" {
		t.Errorf("no base: %q, want empty", got)
	}
	if got := (workspaces.Options{URLBase: "https://ide.example.com/"}).URL("team-a", "lab"); got != "https://ide.example.com/workspaces/team-a/lab/" {
		t.Errorf("url %q", got)
	}
}
