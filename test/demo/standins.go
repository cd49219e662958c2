package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wsv1 "github.com/weir-dev/weir/operator/api/workspaces/v1alpha1"
	"github.com/weir-dev/weir/operator/proxyconfig"
	"github.com/weir-dev/weir/test/realparts"
)

// standins does what an ingress controller and the kubelet would: every
// second it starts a Jupyter for each running Workspace Weir routes (and
// stops those of Workspaces gone or stopped), renders Weir's Caddyfile for
// the Ingresses of its Caddy IngressClasses with operator/proxyconfig (the
// renderer behind the ConfigMap the chart's Caddy mounts) with upstreams
// mapped to those local processes, and reloads Caddy when it changed.
type standins struct {
	admin      client.Client
	caddy      *realparts.Caddy
	access     types.NamespacedName
	accessAddr string
	stub       string

	running  map[types.NamespacedName]*jupyter
	loaded   string
	reported map[string]bool
}

type jupyter struct {
	tb   *tb
	j    *realparts.Jupyter
	base string
	svc  types.NamespacedName
}

func newStandins(t *tb, admin client.Client, caddy *realparts.Caddy, access types.NamespacedName, accessAddr string) *standins {
	return &standins{
		admin: admin, caddy: caddy, access: access, accessAddr: accessAddr,
		stub:    startStub(t),
		running: map[types.NamespacedName]*jupyter{}, reported: map[string]bool{},
	}
}

// run syncs every second until ctx ends, then stops every Jupyter.
func (s *standins) run(ctx context.Context, t *tb) {
	defer func() {
		for key, j := range s.running {
			j.tb.close()
			delete(s.running, key)
		}
	}()
	for {
		if err := try(func() { s.sync(ctx, t) }); err != nil {
			s.once(err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *standins) sync(ctx context.Context, t *tb) {
	ings, err := s.ingresses(ctx)
	if err != nil {
		s.once(fmt.Sprintf("listing Ingresses: %v", err))
		return
	}
	wss := &wsv1.WorkspaceList{}
	if err := s.admin.List(ctx, wss); err != nil {
		s.once(fmt.Sprintf("listing Workspaces: %v", err))
		return
	}
	want := wantedIDEs(ings, wss.Items)
	for key, j := range s.running {
		if w, ok := want[key]; !ok || w.base != j.base {
			t.Logf("stopping the Jupyter of Workspace %s", key)
			j.tb.close()
			delete(s.running, key)
		}
	}
	for key, w := range want {
		if _, ok := s.running[key]; ok || ctx.Err() != nil {
			continue
		}
		jt := newTB("jupyter-" + key.Namespace + "-" + key.Name)
		var j *realparts.Jupyter
		if err := try(func() { j = realparts.StartJupyter(jt, w.base) }); err != nil {
			jt.close()
			s.once(fmt.Sprintf("Workspace %s: no Jupyter: %v", key, err))
			continue
		}
		t.Logf("Workspace %s: a local Jupyter at %s serves %s", key, j.Addr, w.base)
		s.running[key] = &jupyter{tb: jt, j: j, base: w.base, svc: w.service}
	}

	u := upstreams{access: s.access, accessAddr: s.accessAddr, stub: s.stub, ides: map[types.NamespacedName]string{}}
	for _, j := range s.running {
		u.ides[j.svc] = j.j.Addr
	}
	cf, problems := proxyconfig.Render(ings, proxyconfig.RenderOptions{
		Port: s.caddy.Port(), Admin: s.caddy.AdminAddr(), Bind: "127.0.0.1",
		Upstream: u.upstream, AuthUpstream: u.authUpstream, NamedPort: s.namedPort(ctx),
	})
	for _, p := range problems {
		s.once("Caddyfile: left out " + p.String())
	}
	if cf != s.loaded {
		s.caddy.LoadCaddyfile(t, cf)
		s.loaded = cf
	}
}

// ingresses are those of every IngressClass whose controller is Weir's Caddy.
func (s *standins) ingresses(ctx context.Context) ([]networkingv1.Ingress, error) {
	classes := &networkingv1.IngressClassList{}
	if err := s.admin.List(ctx, classes); err != nil {
		return nil, err
	}
	ours := map[string]bool{}
	for _, c := range classes.Items {
		if c.Spec.Controller == proxyconfig.ControllerName {
			ours[c.Name] = true
		}
	}
	all := &networkingv1.IngressList{}
	if err := s.admin.List(ctx, all); err != nil {
		return nil, err
	}
	var out []networkingv1.Ingress
	for _, ing := range all.Items {
		if ing.Spec.IngressClassName != nil && ours[*ing.Spec.IngressClassName] {
			out = append(out, ing)
		}
	}
	return out, nil
}

func (s *standins) namedPort(ctx context.Context) func(namespace, service, name string) (int32, error) {
	return func(namespace, service, name string) (int32, error) {
		svc := &corev1.Service{}
		if err := s.admin.Get(ctx, types.NamespacedName{Namespace: namespace, Name: service}, svc); err != nil {
			return 0, err
		}
		for _, p := range svc.Spec.Ports {
			if p.Name == name {
				return p.Port, nil
			}
		}
		return 0, fmt.Errorf("no port named %q", name)
	}
}

// once logs a message the first time it is seen (the loop runs every second).
func (s *standins) once(msg string) {
	if !s.reported[msg] {
		s.reported[msg] = true
		fmt.Fprintf(logOut, "demo: %s\n", msg)
	}
}

// startStub serves 502 with a line saying why: what Caddy reaches for a
// Service nothing on this machine stands in for.
func startStub(t *tb) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("stub listener: %v", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintln(w, "make demo: nothing on this machine stands in for this Service yet "+
			"(a running Workspace gets a local Jupyter within seconds; tunnels and code-server have none).")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}
