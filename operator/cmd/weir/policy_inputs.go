package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	pluginsv1 "github.com/weir-dev/weir/operator/api/plugins/v1alpha1"
	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/operator/manager"
	"github.com/weir-dev/weir/operator/policybundles"
	"github.com/weir-dev/weir/policies/engine"
)

// manifestExtensions are the files `-f DIR` reads, as kubectl does.
var manifestExtensions = []string{".yaml", ".yml", ".json"}

// manifestFiles lists what -f names: the file itself, or the manifests
// directly in a directory (not its subdirectories), by name.
func manifestFiles(path string) ([]string, error) {
	if path == "-" {
		return []string{"-"}, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && slices.Contains(manifestExtensions, strings.ToLower(filepath.Ext(e.Name()))) {
			files = append(files, filepath.Join(path, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no %s files in the directory", path, strings.Join(manifestExtensions, ", "))
	}
	return files, nil
}

// readDocuments returns the non-empty YAML or JSON documents of file ("-":
// stdin).
func readDocuments(stdin io.Reader, file string) ([][]byte, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// readManifest reads every object of the file, or of every manifest in
// the directory, that path names.
func readManifest(stdin io.Reader, path string) ([]map[string]any, error) {
	files, err := manifestFiles(path)
	if err != nil {
		return nil, err
	}
	var objects []map[string]any
	for _, file := range files {
		docs, err := readDocuments(stdin, file)
		if err != nil {
			return nil, err
		}
		for i, doc := range docs {
			var obj map[string]any
			if err := yaml.Unmarshal(doc, &obj); err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", file, i+1, err)
			}
			if len(obj) > 0 {
				objects = append(objects, obj)
			}
		}
	}
	if len(objects) == 0 {
		return nil, fmt.Errorf("%s: no objects", path)
	}
	return objects, nil
}

// decodeScheme knows Weir's and Kubernetes' kinds, as the manager does.
var decodeScheme = manager.Scheme()

// decoder reads Weir's and Kubernetes' kinds by their apiVersion and kind.
var decoder = serializer.NewCodecFactory(decodeScheme).UniversalDeserializer()

// decodeObjects decodes every document of file, unwrapping Lists (what
// `kubectl get ... -o yaml` prints).
func decodeObjects(file string) ([]runtime.Object, error) {
	docs, err := readDocuments(nil, file)
	if err != nil {
		return nil, err
	}
	var out []runtime.Object
	var add func(raw []byte, where string) error
	add = func(raw []byte, where string) error {
		obj, _, err := decoder.Decode(raw, nil, nil)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", file, where, err)
		}
		if list, ok := obj.(*corev1.List); ok {
			for i, item := range list.Items {
				if err := add(item.Raw, fmt.Sprintf("%s, item %d", where, i)); err != nil {
					return err
				}
			}
			return nil
		}
		out = append(out, obj)
		return nil
	}
	for i, doc := range docs {
		if err := add(doc, fmt.Sprintf("document %d", i+1)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// defaultBundleArg names the embedded bundle where a directory is expected.
const defaultBundleArg = "default"

// loadBundles reads each --bundle: "default" (the embedded bundle), a
// bundle directory, or a file of PolicyBundles as one applies them. A
// PolicyBundle named "default" customises the embedded bundle, as in the
// cluster, and takes its place.
func loadBundles(args []string) ([]engine.Bundle, error) {
	var out []engine.Bundle
	for _, arg := range args {
		if arg == defaultBundleArg {
			out = append(out, engine.DefaultBundle())
			continue
		}
		fi, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("--bundle %s: want a bundle directory, a PolicyBundle manifest or %q: %w", arg, defaultBundleArg, err)
		}
		if fi.IsDir() {
			b, err := engine.BundleFromDir(arg)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
			continue
		}
		pbs, err := policyBundlesIn(arg)
		if err != nil {
			return nil, err
		}
		for _, pb := range pbs {
			b, err := policybundles.EngineBundle(engine.DefaultBundle(), pb)
			if err != nil {
				return nil, fmt.Errorf("--bundle %s: PolicyBundle %s: %w", arg, pb.Name, err)
			}
			if i := slices.IndexFunc(out, func(o engine.Bundle) bool { return o.Name == b.Name }); i >= 0 && b.Name == engine.DefaultBundleName {
				out[i] = b
				continue
			}
			out = append(out, b)
		}
	}
	return out, nil
}

func policyBundlesIn(file string) ([]*policiesv1.PolicyBundle, error) {
	objs, err := decodeObjects(file)
	if err != nil {
		return nil, fmt.Errorf("--bundle %s: %w", file, err)
	}
	var out []*policiesv1.PolicyBundle
	for _, obj := range objs {
		switch o := obj.(type) {
		case *policiesv1.PolicyBundle:
			out = append(out, o)
		case *policiesv1.PolicyBundleList:
			for i := range o.Items {
				out = append(out, &o.Items[i])
			}
		default:
			return nil, fmt.Errorf("--bundle %s: %s is not a PolicyBundle (%s)", file, obj.GetObjectKind().GroupVersionKind().Kind, policiesv1.GroupVersion)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--bundle %s: no PolicyBundle in the file", file)
	}
	return out, nil
}

// sourcePluginsIn reads the SourcePlugins of file, as `kubectl get
// sourceplugins -o yaml` prints them (status included).
func sourcePluginsIn(file string) ([]pluginsv1.SourcePlugin, error) {
	objs, err := decodeObjects(file)
	if err != nil {
		return nil, fmt.Errorf("--sourceplugins %s: %w", file, err)
	}
	var out []pluginsv1.SourcePlugin
	for _, obj := range objs {
		switch o := obj.(type) {
		case *pluginsv1.SourcePlugin:
			out = append(out, *o)
		case *pluginsv1.SourcePluginList:
			out = append(out, o.Items...)
		default:
			return nil, fmt.Errorf("--sourceplugins %s: %s is not a SourcePlugin (%s)", file, obj.GetObjectKind().GroupVersionKind().Kind, pluginsv1.GroupVersion)
		}
	}
	return out, nil
}
