package weir.workspaces

# A mutation: what the Workspace leaves unset comes from its template, as
# upstream's webhook does it (the seed's "Configuration Inheritance"):
# image from defaultImage (without a template, settings.workspaces
# defaultImage, upstream's uv), resources from defaultResources (only when the
# Workspace asks for none: a template's limits could fall below the
# Workspace's own requests), storage size, class, mount path and reclaim
# policy from primaryStorage (else settings.workspaces.defaultStorage),
# env entries the Workspace does not set by name from environmentVariables,
# ownershipType from defaultOwnershipType, then desiredStatus Running.
# Short image names (upstream's samples say image: uv) resolve through
# settings.workspaces.imageAliases. effective is the result, the one spec
# every bound judges and the controller runs; the patch writes the keys
# that differ, so admission and reconcile share this one computation.

import data.weir.lib.fields

# defaults are the top-level spec keys the patch sets, with their values.
defaults["image"] := image if {
	is_object(spec)
	image := resolve(requested_image)
	image != object.get(spec, "image", null)
}

defaults["resources"] := template_spec.defaultResources if {
	is_object(spec)
	not resources_given
	given(template_spec, "defaultResources")
}

defaults["storage"] := object.union(storage, storage_defaults) if {
	is_object(spec)
	count(storage_defaults) > 0
}

defaults["env"] := array.concat(env, inherited_env) if {
	is_object(spec)
	count(inherited_env) > 0
}

defaults["ownershipType"] := default_ownership if {
	is_object(spec)
	not template_pending
	not given(spec, "ownershipType")
}

defaults["desiredStatus"] := "Running" if {
	is_object(spec)
	not given(spec, "desiredStatus")
}

effective := object.union(spec, defaults)

# template_pending: the Workspace names a template that does not exist
# (yet). Weir's own defaults (settings.workspaces) then wait for it, so
# that they are not written into the spec in its place; the controller
# defaults the Workspace again once the template exists.
template_pending if {
	template_ref
	not template
}

has_spec if is_object(workspace.spec)

requested_image := spec.image if {
	given(spec, "image")
} else := template_spec.defaultImage if {
	given(template_spec, "defaultImage")
} else := settings.defaultImage if {
	not template_pending
	given(settings, "defaultImage")
}

resolve(image) := object.get(object.get(settings, "imageAliases", {}), image, image)

resources_given if {
	some kind in ["requests", "limits"]
	count(object.get(spec, ["resources", kind], {})) > 0
}

storage := s if {
	s := spec.storage
	is_object(s)
} else := {}

# storage_defaults: each storage key the Workspace leaves unset, from the
# template's primaryStorage, else from settings.workspaces.defaultStorage.
storage_defaults[key] := value if {
	some key in {"size", "storageClassName", "mountPath", "reclaimPolicy"}
	not given(storage, key)
	value := storage_default(key)
}

storage_default(key) := template_spec.primaryStorage[from] if {
	from := {"size": "defaultSize", "storageClassName": "defaultStorageClassName", "mountPath": "defaultMountPath", "reclaimPolicy": "reclaimPolicy"}[key]
	given(object.get(template_spec, "primaryStorage", {}), from)
} else := settings.defaultStorage[key] if {
	not template_pending
	given(object.get(settings, "defaultStorage", {}), key)
}

env := e if {
	e := spec.env
	is_array(e)
} else := []

inherited_env := [e |
	names := {x.name | some x in env}
	some e in object.get(template_spec, "environmentVariables", [])
	not e.name in names
]

default_ownership := t if {
	given(template_spec, "defaultOwnershipType")
	t := template_spec.defaultOwnershipType
} else := object.get(settings, "defaultOwnershipType", "Public")

patch contains op if {
	some key, value in defaults
	op := {
		"op": "add",
		"path": fields.pointer(["spec", key]),
		"value": value,
		"policy": "workspaces.defaults",
	}
}

# A Workspace without a spec gets one first (patches apply parent first).
patch contains op if {
	count(defaults) > 0
	not has_spec
	op := {"op": "add", "path": "/spec", "value": {}, "policy": "workspaces.defaults"}
}
