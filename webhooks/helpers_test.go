package webhooks_test

import (
	"fmt"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
)

func runFromYAML(ns, manifest string) *runsv1.Run {
	run := &runsv1.Run{}
	Expect(yaml.UnmarshalStrict([]byte(manifest), run)).To(Succeed())
	run.Namespace = ns
	return run
}

// runWithPassword is a one-off Run whose source holds a literal password.
func runWithPassword(name, ns, password string) *runsv1.Run {
	return runFromYAML(ns, fmt.Sprintf(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: %s
spec:
  runs:
    - postgresql:
        host: db.example.com
        user: reader
        password: %q
`, name, password))
}

// goodRun is a one-off Run the default policies allow.
func goodRun(name, ns string) *runsv1.Run {
	return runFromYAML(ns, fmt.Sprintf(`
apiVersion: runs.marmotdata.io/v1alpha1
kind: Run
metadata:
  name: %s
spec:
  runs:
    - postgresql:
        host: db.example.com
        user: reader
        password: ${PG_PASSWORD}
  env:
    - name: PG_PASSWORD
      valueFrom:
        secretKeyRef: {name: pg, key: password}
`, name))
}

// bundle is a denying PolicyBundle of the given modules.
func bundle(name string, modules map[string]string) *policiesv1.PolicyBundle {
	pb := &policiesv1.PolicyBundle{ObjectMeta: metav1.ObjectMeta{Name: name}}
	pb.Spec.EnforcementMode = policiesv1.EnforceDeny
	for file, rego := range modules {
		pb.Spec.Modules = append(pb.Spec.Modules, policiesv1.Module{Name: file, Rego: rego})
	}
	return pb
}

// newNamespace makes a namespace holding the Secret pg that goodRun names.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "wh-test-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pg", Namespace: ns.Name},
		StringData: map[string]string{"password": "not-used"}})).To(Succeed())
	return ns.Name
}

func key(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }
