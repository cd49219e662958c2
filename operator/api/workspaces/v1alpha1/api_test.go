package v1alpha1_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
)

// fromYAML reads a Workspace or WorkspaceTemplate manifest (without
// apiVersion) as the API server would receive it, quantities and all.
func fromYAML(kind, ns, manifest string) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal([]byte(manifest), &obj.Object)).To(Succeed())
	obj.SetAPIVersion(wsv1.GroupVersion.String())
	obj.SetKind(kind)
	obj.SetNamespace(ns)
	return obj
}

// problems are the causes of an API error, less the API server's note that
// it skipped CEL rules because of an earlier error (not a problem of its own).
func problems(err error) []metav1.StatusCause {
	var out []metav1.StatusCause
	for _, c := range err.(apierrors.APIStatus).Status().Details.Causes {
		if !strings.Contains(c.Message, "some validation rules were not checked") {
			out = append(out, c)
		}
	}
	return out
}

// template is a valid template with a name no other spec uses.
func template() *wsv1.WorkspaceTemplate {
	return &wsv1.WorkspaceTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "tmpl-" + rand.String(6)},
		Spec: wsv1.WorkspaceTemplateSpec{
			DisplayName:   "Test",
			DefaultImage:  "jupyter/minimal-notebook:latest",
			AllowedImages: []string{"jupyter/minimal-notebook:latest", "jupyter/scipy-notebook:latest"},
			ResourceBounds: &wsv1.ResourceBounds{
				CPU: &wsv1.ResourceRange{Min: ptr.To(resource.MustParse("100m")), Max: ptr.To(resource.MustParse("2"))},
			},
		},
	}
}

var _ = Describe("WorkspaceTemplate immutability", func() {
	It("refuses a spec change at the real API server, telling the user to create a new template", func() {
		t := template()
		Expect(k8s.Create(ctx, t)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, t))).To(Succeed()) })

		changed := t.DeepCopy()
		changed.Spec.AllowedImages = append(changed.Spec.AllowedImages, "evil/miner:latest")
		err := k8s.Update(ctx, changed)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring(`spec: Invalid value: spec is immutable`))
		Expect(err.Error()).To(ContainSubstring("create a new template with another name (for example production-v2)"))

		changed = t.DeepCopy()
		changed.Spec.ResourceBounds.CPU.Max = ptr.To(resource.MustParse("64"))
		Expect(k8s.Update(ctx, changed)).To(MatchError(ContainSubstring("spec is immutable")))
	})

	It("lets metadata change (the lazy finalizer, labels) and re-applying the same spec through", func() {
		t := template()
		Expect(k8s.Create(ctx, t)).To(Succeed())
		t.Finalizers = []string{wsv1.FinalizerTemplateProtection}
		t.Labels = map[string]string{"team": "ml"}
		Expect(k8s.Update(ctx, t)).To(Succeed())
		t.Finalizers = nil
		Expect(k8s.Update(ctx, t)).To(Succeed())
		Expect(k8s.Delete(ctx, t)).To(Succeed())
	})
})

var _ = Describe("Workspace templateRef immutability", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	create := func(ref string) *wsv1.Workspace {
		ws := &wsv1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Name: "ws-" + rand.String(6), Namespace: ns},
			Spec:       wsv1.WorkspaceSpec{DisplayName: "t", TemplateRef: ref},
		}
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		return ws
	}
	const msg = `spec.templateRef: Invalid value: spec.templateRef is immutable: it cannot be set, changed or removed after the Workspace is created; to use another template, create a new Workspace`

	It("refuses changing it", func() {
		ws := create("a")
		ws.Spec.TemplateRef = "b"
		err := k8s.Update(ctx, ws)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring(msg))
	})

	It("refuses removing it", func() {
		ws := create("a")
		ws.Spec.TemplateRef = ""
		Expect(k8s.Update(ctx, ws)).To(MatchError(ContainSubstring(msg)))
	})

	It("refuses adding it after creation", func() {
		ws := create("")
		ws.Spec.TemplateRef = "a"
		Expect(k8s.Update(ctx, ws)).To(MatchError(ContainSubstring(msg)))
	})

	It("lets the rest of the spec change", func() {
		ws := create("a")
		ws.Spec.DesiredStatus = wsv1.DesiredStopped
		ws.Spec.Storage = &wsv1.WorkspaceStorage{Size: ptr.To(resource.MustParse("5Gi"))}
		Expect(k8s.Update(ctx, ws)).To(Succeed())
	})
})

var _ = Describe("schema defaults", func() {
	It("fills desiredStatus, the idle timeout and the template's ownership type", func() {
		ns := newNamespace()
		ws := fromYAML("Workspace", ns, `
metadata: {name: minimal}
spec: {idleShutdown: {enabled: true}}`)
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		got := &wsv1.Workspace{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "minimal"}, got)).To(Succeed())
		Expect(got.Spec.DesiredStatus).To(Equal(wsv1.DesiredRunning))
		Expect(got.Spec.IdleShutdown.IdleTimeoutInMinutes).To(Equal(int32(60)))
		// Left unset so the template can fill them.
		Expect(got.Spec.OwnershipType).To(BeEmpty())
		Expect(got.Spec.Storage).To(BeNil())
		Expect(got.Spec.Resources).To(BeNil())

		t := template()
		Expect(k8s.Create(ctx, t)).To(Succeed())
		DeferCleanup(func() { Expect(k8s.Delete(ctx, t)).To(Succeed()) })
		Expect(t.Spec.DefaultOwnershipType).To(Equal(wsv1.OwnershipPublic))
	})

	// WorkspaceSpec has MinProperties=1 (kube-api-linter); the default of
	// desiredStatus is filled before it is checked, so an empty spec, and
	// a Go client's zero spec (sent as {}), stay valid.
	It("accepts an empty spec, as all defaults", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, fromYAML("Workspace", ns, "metadata: {name: empty}\nspec: {}"))).To(Succeed())
		zero := &wsv1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "zero"}}
		Expect(k8s.Create(ctx, zero)).To(Succeed())
		Expect(zero.Spec.DesiredStatus).To(Equal(wsv1.DesiredRunning))
	})
})

var _ = Describe("bad manifests", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("are refused with one line naming the field and the fix",
		func(kind, manifest, want string) {
			name := fmt.Sprintf("bad-%s", rand.String(6))
			obj := fromYAML(kind, ns, "metadata: {name: "+name+"}\n"+manifest)
			if kind == "WorkspaceTemplate" {
				obj.SetNamespace("")
			}
			err := k8s.Create(ctx, obj)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(problems(err)).To(HaveLen(1), "%v", err)
			Expect(err.Error()).To(ContainSubstring(want))
		},
		Entry("a template's default image outside its allowed images", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, allowedImages: [b:1]}`,
			"spec.defaultImage: Invalid value: spec.defaultImage must be one of spec.allowedImages: add it to the list, or leave allowedImages empty to allow only defaultImage"),
		Entry("a template without a default image", "WorkspaceTemplate",
			`spec: {displayName: x}`, "spec.defaultImage: Required value"),
		Entry("a cpu bound with min above max", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, resourceBounds: {cpu: {min: "4", max: 500m}}}`,
			`spec.resourceBounds.cpu: Invalid value: min must not exceed max`),
		Entry("a gpu bound with min above max", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, resourceBounds: {gpu: {min: 2, max: 1}}}`,
			`spec.resourceBounds.gpu: Invalid value: min must not exceed max`),
		Entry("storage bounds the wrong way round", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, primaryStorage: {minSize: 10Gi, maxSize: 1Gi}}`,
			`spec.primaryStorage.minSize: Invalid value: minSize must not exceed maxSize`),
		Entry("a default size above the maximum", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, primaryStorage: {defaultSize: 50Gi, maxSize: 20Gi}}`,
			`spec.primaryStorage.defaultSize: Invalid value: defaultSize must not exceed maxSize`),
		Entry("a default size below the minimum", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, primaryStorage: {defaultSize: 50Mi, minSize: 100Mi}}`,
			`spec.primaryStorage.defaultSize: Invalid value: defaultSize must not be below minSize`),
		Entry("an unknown ownership type on a template", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, defaultOwnershipType: Private}`,
			`spec.defaultOwnershipType: Unsupported value: "Private": supported values: "Public", "OwnerOnly"`),
		Entry("an unknown desired status", "Workspace",
			`spec: {desiredStatus: Paused}`,
			`spec.desiredStatus: Unsupported value: "Paused": supported values: "Running", "Stopped"`),
		Entry("an unknown ownership type", "Workspace",
			`spec: {ownershipType: Private}`,
			`spec.ownershipType: Unsupported value: "Private": supported values: "Public", "OwnerOnly"`),
		Entry("an unknown reclaim policy", "Workspace",
			`spec: {storage: {reclaimPolicy: Keep}}`,
			`spec.storage.reclaimPolicy: Unsupported value: "Keep": supported values: "Retain", "Delete"`),
		Entry("a relative storage mount path", "Workspace",
			`spec: {storage: {mountPath: work}}`,
			`spec.storage.mountPath: Invalid value: "work": must be an absolute path, starting with /`),
		Entry("a relative volume mount path", "Workspace",
			`spec: {volumes: [{name: data, persistentVolumeClaimName: data, mountPath: data}]}`,
			`spec.volumes[0].mountPath: Invalid value: "data": must be an absolute path, starting with /`),
		Entry("a volume without a claim", "Workspace",
			`spec: {volumes: [{name: data, mountPath: /data}]}`,
			`spec.volumes[0].persistentVolumeClaimName: Required value`),
		Entry("two volumes of one name", "Workspace",
			`spec: {volumes: [{name: data, persistentVolumeClaimName: a, mountPath: /a}, {name: data, persistentVolumeClaimName: b, mountPath: /b}]}`,
			`spec.volumes[1]: Duplicate value: {"name":"data"}`),
		Entry("an idle timeout beyond 7 days", "Workspace",
			`spec: {idleShutdown: {enabled: true, idleTimeoutInMinutes: 20000}}`,
			`spec.idleShutdown.idleTimeoutInMinutes: Invalid value: 20000: spec.idleShutdown.idleTimeoutInMinutes in body should be less than or equal to 10080`),
		Entry("a malformed storage size, with the form it takes", "Workspace",
			`spec: {storage: {size: 1GB}}`,
			`spec.storage.size: Invalid value: "1GB": must be a positive quantity such as 10Gi or 500Mi: a number with an optional suffix Ki, Mi, Gi, Ti (or k, M, G, T)`),
		Entry("a zero storage size", "Workspace",
			`spec: {storage: {size: "0"}}`,
			`spec.storage.size: Invalid value: "0": must be a positive quantity`),
		Entry("a storage size as a bare fraction (a quantity is a string or an integer)", "Workspace",
			`spec: {storage: {size: 1.5}}`,
			`spec.storage.size: Invalid value: "number": spec.storage.size in body must be of type integer,string: "number"`),
		Entry("a malformed template size", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, primaryStorage: {maxSize: 20GB}}`,
			`spec.primaryStorage.maxSize: Invalid value: "20GB": must be a positive quantity such as 10Gi or 500Mi`),
		Entry("a malformed bound", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, resourceBounds: {memory: {max: 4 GiB}}}`,
			`spec.resourceBounds.memory.max: Invalid value: "4 GiB": must be a quantity of at least 0 such as 500m, 2 or 4Gi`),
		Entry("a negative bound", "WorkspaceTemplate",
			`spec: {defaultImage: a:1, resourceBounds: {gpu: {min: -1}}}`,
			`spec.resourceBounds.gpu.min: Invalid value: -1: must be a quantity of at least 0`),
		Entry("an empty display name (leave it out instead)", "Workspace",
			`spec: {displayName: ""}`,
			`spec.displayName: Invalid value: "": spec.displayName in body should be at least 1 chars long`),
		Entry("a display name beyond 256 characters", "Workspace",
			`spec: {displayName: `+strings.Repeat("x", 257)+`}`,
			`spec.displayName: Too long: may not be more than 256 bytes`),
		Entry("an argument beyond 8 KiB", "Workspace",
			`spec: {containerConfig: {args: [`+strings.Repeat("x", 8193)+`]}}`,
			`spec.containerConfig.args[0]: Too long: may not be more than 8192 bytes`),
		Entry("a malformed cpu request", "Workspace",
			`spec: {resources: {requests: {cpu: 2cores}}}`,
			`spec.resources.requests.cpu: Invalid value: "2cores": spec.resources.requests.cpu in body should match`),
	)
})

var _ = Describe("kubectl explain", func() {
	crd := func(name string) *apiextensionsv1.CustomResourceDefinition {
		c := &apiextensionsv1.CustomResourceDefinition{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: name}, c)).To(Succeed())
		Expect(c.Spec.Versions).To(HaveLen(1))
		return c
	}

	// undocumented lists every property, below the root, whose description
	// is empty.
	var undocumented func(path string, s apiextensionsv1.JSONSchemaProps) []string
	undocumented = func(path string, s apiextensionsv1.JSONSchemaProps) []string {
		var out []string
		for name, p := range s.Properties {
			if p.Description == "" {
				out = append(out, path+"."+name)
			}
			out = append(out, undocumented(path+"."+name, p)...)
		}
		if s.Items != nil && s.Items.Schema != nil {
			out = append(out, undocumented(path+"[]", *s.Items.Schema)...)
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
			out = append(out, undocumented(path+"{}", *s.AdditionalProperties.Schema)...)
		}
		return out
	}

	It("documents every field of both kinds", func() {
		for _, name := range []string{"workspaces.workspace.jupyter.org", "workspacetemplates.workspace.jupyter.org"} {
			root := *crd(name).Spec.Versions[0].Schema.OpenAPIV3Schema
			Expect(root.Description).NotTo(BeEmpty(), name)
			var missing []string
			for field, p := range root.Properties {
				if field != "metadata" && p.Description == "" {
					missing = append(missing, field)
				}
				missing = append(missing, undocumented(field, p)...)
			}
			Expect(missing).To(BeEmpty(), name)
		}
	})

	It("explains the defaults, the immutability and the conditions", func() {
		ws := crd("workspaces.workspace.jupyter.org").Spec.Versions[0].Schema.OpenAPIV3Schema
		spec := ws.Properties["spec"].Properties
		for field, text := range map[string]string{
			"desiredStatus": "Defaults to Running.",
			"image":         "Unset: the template's defaultImage.",
			"resources":     "Unset: the template's defaultResources.",
			"templateRef":   "Immutable",
			"ownershipType": "Unset: the template's defaultOwnershipType, else\nPublic.",
		} {
			Expect(spec[field].Description).To(ContainSubstring(text), field)
		}
		storage := spec["storage"].Properties
		Expect(storage["size"].Description).To(ContainSubstring("else 10Gi"))
		Expect(storage["mountPath"].Description).To(ContainSubstring("/home/jovyan"))
		Expect(storage["reclaimPolicy"].Description).To(ContainSubstring("else Retain"))
		Expect(spec["idleShutdown"].Properties["idleTimeoutInMinutes"].Description).To(ContainSubstring("Defaults to 60."))
		conditions := ws.Properties["status"].Properties["conditions"].Description
		for _, c := range []string{"Valid", "Available", "Progressing", "Degraded", "TemplateViolation", "PolicyDenied", "TemplateNotFound"} {
			Expect(conditions).To(ContainSubstring(c))
		}

		t := crd("workspacetemplates.workspace.jupyter.org").Spec.Versions[0].Schema.OpenAPIV3Schema
		Expect(t.Properties["spec"].Description).To(ContainSubstring("Immutable after creation."))
		Expect(t.Properties["spec"].Properties["defaultOwnershipType"].Description).To(ContainSubstring("Defaults to Public."))
		Expect(t.Properties["spec"].Properties["resourceBounds"].Properties["gpu"].Description).To(ContainSubstring("nvidia.com/gpu"))
	})

	It("serves the template cluster-scoped and the Workspace namespaced, with short names", func() {
		t := crd("workspacetemplates.workspace.jupyter.org")
		Expect(t.Spec.Scope).To(Equal(apiextensionsv1.ClusterScoped))
		Expect(t.Spec.Names.ShortNames).To(ConsistOf("wst"))
		ws := crd("workspaces.workspace.jupyter.org")
		Expect(ws.Spec.Scope).To(Equal(apiextensionsv1.NamespaceScoped))
		Expect(ws.Spec.Names.ShortNames).To(ConsistOf("ws"))
		Expect(ws.Spec.Versions[0].Subresources.Status).NotTo(BeNil())
	})
})
