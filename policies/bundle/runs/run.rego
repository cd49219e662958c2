# Package weir.runs holds the policies for Runs (runs.marmotdata.io). Each
# file is one policy with its tests beside it; this file holds what they
# share. Rules add to deny, warn and patch (see docs/policies.md).
package weir.runs

import data.weir.lib.admission

# spec is the admitted Run's spec. It is undefined on DELETE and while the
# Run is being deleted, so no rule here can block its teardown.
spec := object.get(admission.reviewed, "spec", {})

settings := data.settings.runs
