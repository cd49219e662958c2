package webhooks

// Paths and names of the webhooks (Table).
const (
	PathValidateRuns               = "/validate/runs"
	PathMutateRuns                 = "/mutate/runs"
	PathValidatePolicyBundles      = "/validate/policybundles"
	PathValidateWorkspaces         = "/validate/workspaces"
	PathMutateWorkspaces           = "/mutate/workspaces"
	PathValidateWorkspaceTemplates = "/validate/workspacetemplates"
	PathMutateWorkspaceTemplates   = "/mutate/workspacetemplates"
	PathValidateWorkspaceShares    = "/validate/workspaceshares"
	PathMutateWorkspaceShares      = "/mutate/workspaceshares"

	NameValidateRuns               = "validate.runs.marmotdata.io"
	NameMutateRuns                 = "mutate.runs.marmotdata.io"
	NameValidatePolicyBundles      = "validate.policybundles.policies.weir.dev"
	NameValidateWorkspaces         = "validate.workspaces.workspace.jupyter.org"
	NameMutateWorkspaces           = "mutate.workspaces.workspace.jupyter.org"
	NameValidateWorkspaceTemplates = "validate.workspacetemplates.workspace.jupyter.org"
	NameMutateWorkspaceTemplates   = "mutate.workspacetemplates.workspace.jupyter.org"
	NameValidateWorkspaceShares    = "validate.workspaceshares.workspace.jupyter.org"
	NameMutateWorkspaceShares      = "mutate.workspaceshares.workspace.jupyter.org"
)
