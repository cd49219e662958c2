package model

import "strings"

// MRN is Marmot's identifier for an asset: mrn://type/service/name, all
// lower-cased, with "/" and " " in the name replaced by "-" (contract §7).
// Type and service are only lower-cased, as upstream does.
func MRN(typ, service, name string) string {
	name = nameReplacer.Replace(name)
	return "mrn://" + strings.ToLower(typ) + "/" + strings.ToLower(service) + "/" + strings.ToLower(name)
}

var nameReplacer = strings.NewReplacer("/", "-", " ", "-")
