//go:build e2e

package faults

import (
	"context"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	runsv1 "github.com/weir-dev/weir/operator/api/runs/v1alpha1"
	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/runs"
	"github.com/weir-dev/weir/operator/workspaces"
)

// findings are what one look at a namespace found wrong, by kind of
// problem, each with a few examples.
type findings struct {
	counts   map[string]int
	examples map[string][]string
}

func (f *findings) add(problem, format string, args ...any) {
	if f.counts == nil {
		f.counts, f.examples = map[string]int{}, map[string][]string{}
	}
	f.counts[problem]++
	if len(f.examples[problem]) < 3 {
		f.examples[problem] = append(f.examples[problem], fmt.Sprintf(format, args...))
	}
}

func (f *findings) count(problem string) int { return f.counts[problem] }

func (f *findings) ok() bool { return len(f.counts) == 0 }

func (f *findings) String() string {
	if f.ok() {
		return "none"
	}
	var keys []string
	for k := range f.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %s: %d (e.g. %s)", k, f.counts[k], strings.Join(f.examples[k], "; "))
	}
	return b.String()
}

// Kinds of problem. Duplicates and orphans never cure themselves; the
// others may still be on their way.
const (
	problemDuplicate = "duplicate children"
	problemOrphan    = "orphans"
	problemMissing   = "missing children"
	problemStatus    = "status not current"
	problemCount     = "objects missing"
)

func metaList(gvk schema.GroupVersionKind) *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(gvk)
	return l
}

// owners maps a controller ownerReference to its owner's name, for one kind.
type owners map[types.UID]string

// ownerOf is the UID of o's controller when it is of kind (and
// ok=false with the reason when o has no controller of that kind, or one
// that does not exist).
func ownerOf(o metav1.Object, kind string, live owners) (types.UID, string) {
	ref := metav1.GetControllerOf(o)
	switch {
	case ref == nil:
		return "", "no controller ownerReference"
	case ref.Kind != kind:
		return "", "its controller is a " + ref.Kind
	}
	if _, ok := live[ref.UID]; !ok {
		return "", fmt.Sprintf("its %s %s (uid %s) is gone", kind, ref.Name, ref.UID)
	}
	return ref.UID, ""
}

// checkRuns looks at the n Runs in ns and everything of the kinds a Run
// makes there: each Run has exactly one CronJob (scheduled) or one Job
// (not) and nothing else (no pipeline ConfigMap: these pipelines travel in
// the pod template); each such child has a
// live Run as controller; each status is current (observedGeneration),
// with a phase and a Ready condition.
func checkRuns(ctx context.Context, c client.Client, ns string, n int) (*findings, error) {
	f := &findings{}
	// Children by metadata only: labels and owners are all that is read,
	// and full Jobs of 1,000 Runs are a load on the API server each poll.
	var list runsv1.RunList
	jobs := metaList(batchv1.SchemeGroupVersion.WithKind("JobList"))
	crons := metaList(batchv1.SchemeGroupVersion.WithKind("CronJobList"))
	cms := metaList(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	for _, l := range []client.ObjectList{&list, jobs, crons, cms} {
		if err := c.List(ctx, l, client.InNamespace(ns)); err != nil {
			return nil, err
		}
	}
	if len(list.Items) != n {
		f.add(problemCount, "%d Runs, want %d", len(list.Items), n)
	}
	live := owners{}
	for _, r := range list.Items {
		live[r.UID] = r.Name
	}
	type kids struct{ cron, job, cm, other []string }
	byRun := map[types.UID]*kids{}
	of := func(uid types.UID) *kids {
		if byRun[uid] == nil {
			byRun[uid] = &kids{}
		}
		return byRun[uid]
	}
	for _, j := range jobs.Items {
		if ref := metav1.GetControllerOf(&j); ref != nil && ref.Kind == "CronJob" {
			continue // a CronJob's Job, the Kubernetes controller's business
		}
		uid, why := ownerOf(&j, "Run", live)
		if why != "" {
			f.add(problemOrphan, "Job %s: %s", j.Name, why)
			continue
		}
		if j.Labels[runsv1.LabelJobKind] == runs.KindOneOff {
			of(uid).job = append(of(uid).job, j.Name)
		} else {
			of(uid).other = append(of(uid).other, "Job "+j.Name+" ("+j.Labels[runsv1.LabelJobKind]+")")
		}
	}
	for _, cj := range crons.Items {
		uid, why := ownerOf(&cj, "Run", live)
		if why != "" {
			f.add(problemOrphan, "CronJob %s: %s", cj.Name, why)
			continue
		}
		of(uid).cron = append(of(uid).cron, cj.Name)
	}
	for _, cm := range cms.Items {
		if cm.Name == "kube-root-ca.crt" {
			continue
		}
		uid, why := ownerOf(&cm, "Run", live)
		if why != "" {
			f.add(problemOrphan, "ConfigMap %s: %s", cm.Name, why)
			continue
		}
		of(uid).cm = append(of(uid).cm, cm.Name)
	}
	for i := range list.Items {
		r := &list.Items[i]
		k := of(r.UID)
		wantCron, wantJob := 0, 1
		if r.Spec.Schedule != "" {
			wantCron, wantJob = 1, 0
		}
		for _, x := range []struct {
			what  string
			names []string
			want  int
		}{{"CronJob", k.cron, wantCron}, {"Job", k.job, wantJob}, {"ConfigMap", k.cm, 0}} {
			switch {
			case len(x.names) > x.want:
				f.add(problemDuplicate, "Run %s has %d %ss %v, want %d", r.Name, len(x.names), x.what, x.names, x.want)
			case len(x.names) < x.want:
				f.add(problemMissing, "Run %s has no %s", r.Name, x.what)
			}
		}
		if len(k.other) > 0 {
			f.add(problemDuplicate, "Run %s has children it should not: %v", r.Name, k.other)
		}
		ready := meta.FindStatusCondition(r.Status.Conditions, runsv1.ConditionReady)
		if r.Status.ObservedGeneration != r.Generation || ready == nil || ready.ObservedGeneration != r.Generation || r.Status.Phase == "" {
			f.add(problemStatus, "Run %s: generation %d, status.observedGeneration %d, phase %q, Ready %v",
				r.Name, r.Generation, r.Status.ObservedGeneration, r.Status.Phase, ready)
		}
	}
	return f, nil
}

// checkWorkspaces is checkRuns for the n Workspaces in ns: each has one
// Deployment (replicas 1 when Running, 0 when Stopped), one Service, one
// primary claim, each controlled by a live Workspace; each status is
// current, Valid and with an Available condition.
func checkWorkspaces(ctx context.Context, c client.Client, ns string, n int) (*findings, error) {
	f := &findings{}
	var list wsv1.WorkspaceList
	var deps appsv1.DeploymentList // full: replicas are checked
	svcs := metaList(corev1.SchemeGroupVersion.WithKind("ServiceList"))
	claims := metaList(corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaimList"))
	for _, l := range []client.ObjectList{&list, &deps, svcs, claims} {
		if err := c.List(ctx, l, client.InNamespace(ns)); err != nil {
			return nil, err
		}
	}
	if len(list.Items) != n {
		f.add(problemCount, "%d Workspaces, want %d", len(list.Items), n)
	}
	live := owners{}
	for _, w := range list.Items {
		live[w.UID] = w.Name
	}
	type kids struct {
		dep, svc, claim []string
		replicas        int32
	}
	byWS := map[types.UID]*kids{}
	of := func(uid types.UID) *kids {
		if byWS[uid] == nil {
			byWS[uid] = &kids{}
		}
		return byWS[uid]
	}
	for _, d := range deps.Items {
		uid, why := ownerOf(&d, "Workspace", live)
		if why != "" {
			f.add(problemOrphan, "Deployment %s: %s", d.Name, why)
			continue
		}
		of(uid).dep = append(of(uid).dep, d.Name)
		if d.Spec.Replicas != nil {
			of(uid).replicas = *d.Spec.Replicas
		}
	}
	for _, s := range svcs.Items {
		uid, why := ownerOf(&s, "Workspace", live)
		if why != "" {
			f.add(problemOrphan, "Service %s: %s", s.Name, why)
			continue
		}
		of(uid).svc = append(of(uid).svc, s.Name)
	}
	for _, pvc := range claims.Items {
		uid, why := ownerOf(&pvc, "Workspace", live)
		if why != "" {
			f.add(problemOrphan, "PersistentVolumeClaim %s: %s", pvc.Name, why)
			continue
		}
		of(uid).claim = append(of(uid).claim, pvc.Name)
	}
	for i := range list.Items {
		w := &list.Items[i]
		k := of(w.UID)
		for _, x := range []struct {
			what, want string
			names      []string
		}{
			{"Deployment", workspaces.DeploymentName(w.Name), k.dep},
			{"Service", workspaces.ServiceName(w.Name), k.svc},
			{"PersistentVolumeClaim", workspaces.ClaimName(w.Name), k.claim},
		} {
			switch {
			case len(x.names) > 1:
				f.add(problemDuplicate, "Workspace %s has %d %ss %v", w.Name, len(x.names), x.what, x.names)
			case len(x.names) == 0:
				f.add(problemMissing, "Workspace %s has no %s", w.Name, x.what)
			case x.names[0] != x.want:
				f.add(problemDuplicate, "Workspace %s has %s %s, not %s", w.Name, x.what, x.names[0], x.want)
			}
		}
		want := int32(1)
		if w.Spec.DesiredStatus == wsv1.DesiredStopped {
			want = 0
		}
		if len(k.dep) == 1 && k.replicas != want {
			f.add(problemMissing, "Workspace %s (%s): Deployment replicas %d, want %d", w.Name, w.Spec.DesiredStatus, k.replicas, want)
		}
		valid := meta.FindStatusCondition(w.Status.Conditions, wsv1.ConditionValid)
		avail := meta.FindStatusCondition(w.Status.Conditions, wsv1.ConditionAvailable)
		if w.Status.ObservedGeneration != w.Generation || valid == nil || valid.Status != metav1.ConditionTrue ||
			avail == nil || avail.ObservedGeneration != w.Generation {
			f.add(problemStatus, "Workspace %s: generation %d, status.observedGeneration %d, Valid %v, Available %v",
				w.Name, w.Generation, w.Status.ObservedGeneration, valid, avail)
		}
	}
	return f, nil
}
