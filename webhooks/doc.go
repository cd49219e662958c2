// Package webhooks serves Weir's admission webhooks. Every decision comes
// from the policy engine (policies/engine): the validating webhooks turn
// its denials and warnings into the AdmissionResponse, the mutating one
// returns its JSON patch. The package also keeps the serving certificate
// (self-signed mode) and exports admission metrics.
package webhooks
