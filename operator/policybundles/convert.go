package policybundles

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"

	policiesv1 "github.com/weir-dev/weir/operator/api/policies/v1alpha1"
	"github.com/weir-dev/weir/policies/engine"
)

// EngineBundle is pb as the loader puts it in force: the bundle named
// "default" customises embedded, any other is a bundle of its own. It does
// not compile it; `weir policy eval --bundle FILE` uses it to decide as the
// cluster would.
func EngineBundle(embedded engine.Bundle, pb *policiesv1.PolicyBundle) (engine.Bundle, error) {
	if pb.Name == policiesv1.DefaultBundleName {
		return customised(embedded, pb)
	}
	return bundleOf(pb)
}

// bundleOf is a PolicyBundle as the engine takes it. Bad data is reported
// as an *engine.Error, like a compile error, so status handles both alike.
func bundleOf(pb *policiesv1.PolicyBundle) (engine.Bundle, error) {
	b := engine.Bundle{
		Name:    pb.Name,
		Modules: make(map[string]string, len(pb.Spec.Modules)),
		Mode:    string(pb.Spec.EnforcementMode),
	}
	for _, m := range pb.Spec.Modules {
		b.Modules[m.Name] = m.Rego
	}
	var raw []byte
	if pb.Spec.Data != nil {
		raw = pb.Spec.Data.Raw
	}
	data, err := decodeData(raw)
	if err != nil {
		return engine.Bundle{}, &engine.Error{Bundle: pb.Name, Problems: []engine.Problem{{Message: "spec.data: " + err.Error()}}}
	}
	b.Data = data
	return b, nil
}

// decodeData reads spec.data, which must be a JSON object. Numbers stay
// json.Number, as the engine reads data.json, so integers keep exact.
func decodeData(raw []byte) (map[string]any, error) {
	data := map[string]any{}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return data, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, fmt.Errorf("want a JSON object: %w", err)
	}
	return data, nil
}

// customised is the embedded bundle as the PolicyBundle named "default"
// changes it: its modules are added (replacing embedded ones of the same
// name), its data is deep-merged over the embedded data, its mode applies.
// Admins thus change a setting without copying Weir's Rego.
func customised(embedded engine.Bundle, pb *policiesv1.PolicyBundle) (engine.Bundle, error) {
	own, err := bundleOf(pb)
	if err != nil {
		return engine.Bundle{}, err
	}
	b := engine.Bundle{
		Name:    engine.DefaultBundleName,
		Modules: maps.Clone(embedded.Modules),
		Data:    mergeData(deepCopy(embedded.Data).(map[string]any), own.Data),
		Mode:    embedded.Mode,
	}
	maps.Copy(b.Modules, own.Modules)
	if own.Mode != "" {
		b.Mode = own.Mode
	}
	return b, nil
}

// mergeData merges over into base, which it changes and returns: objects
// merge key by key, any other value (arrays included) replaces.
func mergeData(base, over map[string]any) map[string]any {
	for k, v := range over {
		bm, ok1 := base[k].(map[string]any)
		vm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			base[k] = mergeData(bm, vm)
			continue
		}
		base[k] = deepCopy(v)
	}
	return base
}

// deepCopy copies decoded JSON, so a merge never writes into the maps of
// a bundle that is in force.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// specDigest identifies a spec, so a spec already judged is not compiled
// (or counted as a failure) again on every reconcile.
func specDigest(spec policiesv1.PolicyBundleSpec) string {
	raw, err := json.Marshal(spec)
	if err != nil { // only for data that is not JSON, which the API server refuses
		raw = fmt.Appendf(nil, "%#v", spec)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}
