package ingest

import (
	"encoding/json"
	"errors"
	"strings"

	kjson "sigs.k8s.io/json"
)

// decodeStrict decodes the parsed value v into dst, the typed definition
// of its block, as the API server decodes objects: keys match
// case-sensitively (encoding/json alone would take allowLinklocal for
// allowLinkLocal) and none may be unknown. It returns the path of every
// unknown key, and of the first value of the wrong type, relative to v;
// dst holds whatever else decoded.
func decodeStrict(v, dst any) (unknown []string, wrongType string, err error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	strict, err := kjson.UnmarshalStrict(raw, dst, kjson.DisallowUnknownFields)
	if err != nil {
		// encoding/json's error carries the field's path as a value.
		var te *json.UnmarshalTypeError
		if terr := json.Unmarshal(raw, dst); errors.As(terr, &te) {
			return nil, te.Field, nil
		}
		return nil, "", err
	}
	for _, e := range strict {
		var fe kjson.FieldError
		if errors.As(e, &fe) && strings.HasPrefix(e.Error(), "unknown field") {
			unknown = append(unknown, fe.FieldPath())
		}
	}
	return unknown, "", nil
}
