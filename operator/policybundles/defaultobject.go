package policybundles

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
)

// DescriptionAnnotation explains the PolicyBundle Weir creates.
const DescriptionAnnotation = "policies.weir.dev/description"

// defaultDescription is what `kubectl get policybundle default -o yaml`
// tells an admin who finds the object Weir made.
const defaultDescription = "Weir's embedded policy bundle (weir policy test and weir policy eval run it offline). " +
	"With an empty spec it is in force as shipped; spec.data is deep-merged over its data.json " +
	"(e.g. settings.runs.maxResources), spec.modules add to or replace its modules, " +
	"spec.enforcementMode sets its mode. Weir never changes this object; deleted, it comes back empty."

// defaultObject is the PolicyBundle "default" as Weir creates it: empty,
// so it customises nothing. It holds no copy of the embedded Rego or data,
// which would pin them: a new Weir brings its new rules and settings, and
// the object holds only what an admin changed.
func defaultObject() *policiesv1.PolicyBundle {
	return &policiesv1.PolicyBundle{ObjectMeta: metav1.ObjectMeta{
		Name:        policiesv1.DefaultBundleName,
		Labels:      map[string]string{"app.kubernetes.io/managed-by": "weir"},
		Annotations: map[string]string{DescriptionAnnotation: defaultDescription},
	}}
}

// ensureDefault creates the PolicyBundle named "default" when the embedded
// bundle is on and there is none, so `kubectl get policybundles` shows the
// embedded bundle and admins edit it there. It only ever creates: an
// existing object is the admin's.
func (l *Loader) ensureDefault(ctx context.Context, c client.Client) error {
	if !l.defaultEnabled {
		return nil
	}
	if err := c.Create(ctx, defaultObject()); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the PolicyBundle %q that shows the embedded bundle: %w", policiesv1.DefaultBundleName, err)
	}
	return nil
}
