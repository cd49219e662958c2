package host

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
)

// Schema keywords by which a source asks for more than the endpoints its
// config names. The host grants them during weir_discover only.
const (
	// keyEnv, at the top of the config schema, declares the environment
	// variables the module may receive: an object mapping each name to a
	// schema whose keywords below apply to the variable's value, e.g.
	//
	//	"x-weir-env": {
	//	  "AWS_ROLE_ARN": {"type": "string"},
	//	  "AWS_WEB_IDENTITY_TOKEN_FILE": {"type": "string", "x-weir-file": true},
	//	  "AWS_ENDPOINT_URL_STS": {"type": "string", "x-weir-endpoint": true}
	//	}
	//
	// Only declared variables that Options.Environ has reach the module.
	keyEnv = "x-weir-env"
	// keyFile marks a variable whose value is the absolute path of a host
	// file the module may read: that one file is mounted read-only at the
	// same path.
	keyFile = "x-weir-file"
	// keyEndpointTemplate marks a config field or variable whose value
	// implies hosts: each template, "{value}" replaced by the value (which
	// must then be a single DNS label, such as a region), is an endpoint;
	// a leading "*." allows every name below it.
	keyEndpointTemplate = "x-weir-endpoint-template"
	// templateValue is what a template's value replaces.
	templateValue = "{value}"
)

// envName is a portable environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// hostSetEnv are variables the host sets itself; no source may take them
// from the environment.
var hostSetEnv = []string{"SSL_CERT_FILE"}

// grant is what one Discover may use: the config's endpoints, and the
// declared variables with the files and hosts they imply.
type grant struct {
	allow allowlist
	env   []envVar
	files hostFiles
}

type envVar struct{ name, value string }

// grantFor works out what a Discover of config is granted. Variables
// are looked up with Options.Environ; their values are never logged.
func (m *Module) grantFor(config json.RawMessage) *grant {
	g := &grant{allow: endpointsOf(m.desc.ConfigSchema, config), files: hostFiles{}}
	decl, _ := m.desc.ConfigSchema[keyEnv].(map[string]any)
	if len(decl) == 0 || m.opts.Environ == nil {
		return g
	}
	names := make([]string, 0, len(decl))
	for name := range decl {
		names = append(names, name)
	}
	sort.Strings(names)
	log := m.logger()
	for _, name := range names {
		spec, _ := decl[name].(map[string]any)
		if !envName.MatchString(name) || slices.Contains(hostSetEnv, name) {
			log.Warn("the source declares an environment variable the host does not pass", "variable", name,
				"reason", "not a variable name, or one the host sets itself")
			continue
		}
		value, ok := m.opts.Environ(name)
		if !ok || value == "" {
			continue
		}
		if spec[keyFile] == true {
			if why := g.files.add(value); why != "" {
				log.Warn("environment variable not passed to the source: the file it names is not mounted", "variable", name, "reason", why)
				continue
			}
		}
		g.env = append(g.env, envVar{name, value})
		collect(spec, value, &g.allow)
	}
	if len(g.env) > 0 {
		passed := make([]string, len(g.env))
		for i, e := range g.env {
			passed[i] = e.name
		}
		log.Debug("passing declared environment to the source", "variables", strings.Join(passed, ","),
			"files", g.files.count(), "endpoints", g.allow.String())
	}
	return g
}

// apply gives the module the granted variables and files, with the CA
// bundle; g may be nil (describe and validate get neither).
func (g *grant) apply(cfg wazero.ModuleConfig, rootCAs []byte) wazero.ModuleConfig {
	fsc := wazero.NewFSConfig()
	mounted := false
	if len(rootCAs) > 0 {
		fsc, mounted = fsc.WithFSMount(certFS(rootCAs), certDir), true
		cfg = cfg.WithEnv("SSL_CERT_FILE", certFile)
	}
	if g != nil {
		for _, e := range g.env {
			cfg = cfg.WithEnv(e.name, e.value)
		}
		for dir, files := range g.files {
			fsc, mounted = fsc.WithFSMount(files, dir), true
		}
	}
	if mounted {
		cfg = cfg.WithFSConfig(fsc)
	}
	return cfg
}
