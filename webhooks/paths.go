package webhooks

// Paths and names of the webhooks, as config/webhook and the Helm chart
// register them.
const (
	PathValidateRuns          = "/validate/runs"
	PathMutateRuns            = "/mutate/runs"
	PathValidatePolicyBundles = "/validate/policybundles"

	NameValidateRuns          = "validate.runs.marmotdata.io"
	NameMutateRuns            = "mutate.runs.marmotdata.io"
	NameValidatePolicyBundles = "validate.policybundles.policies.weir.dev"
)
