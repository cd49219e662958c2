package weir.workspaces

# The template's bounds (the seed's "Validation Rules"), judged on the
# effective spec, defaults included: the image is one of allowedImages;
# cpu, memory and nvidia.com/gpu requests and limits are within
# resourceBounds; the storage size is within primaryStorage's minSize and
# maxSize. Each finding is a violation: a warning or a denial as
# settings.workspaces.enforcement says, always a denial at reconcile.

import data.weir.lib.fields
import data.weir.lib.quantity

template_name := template.metadata.name

# The bound of each resource name a template can limit.
bounded := {"cpu": "cpu", "memory": "memory", "nvidia.com/gpu": "gpu"}

violation contains v if {
	allowed := object.get(template_spec, "allowedImages", [])
	count(allowed) > 0
	image := effective.image
	not image_allowed(image, allowed)
	v := {
		"policy": "workspaces.allowed-images",
		"field": "spec.image",
		"msg": sprintf("%s%s is not allowed by template %s; use one of %s%s", [
			image, inherited(["image"]), template_name,
			concat(", ", allowed), image_hint,
		]),
	}
}

image_allowed(image, allowed) if {
	some a in allowed
	resolve(a) == image
}

image_hint := sprintf(", or leave image out for %s", [template_spec.defaultImage]) if {
	given(template_spec, "defaultImage")
} else := ""

violation contains v if {
	some kind in ["requests", "limits"]
	some name, q in object.get(effective, ["resources", kind], {})
	b := template_spec.resourceBounds[bounded[name]]
	quantity.compare(q, b.min) == -1
	v := {
		"policy": "workspaces.resource-bounds",
		"field": fields.path(["spec", "resources", kind, name]),
		"msg": sprintf("%v%s is below the minimum of template %s; ask for at least %v %s", [q, inherited(["resources"]), template_name, b.min, name]),
	}
}

violation contains v if {
	some kind in ["requests", "limits"]
	some name, q in object.get(effective, ["resources", kind], {})
	b := template_spec.resourceBounds[bounded[name]]
	quantity.compare(q, b.max) == 1
	v := {
		"policy": "workspaces.resource-bounds",
		"field": fields.path(["spec", "resources", kind, name]),
		"msg": sprintf("%v%s is above the maximum of template %s; ask for at most %v %s", [q, inherited(["resources"]), template_name, b.max, name]),
	}
}

violation contains v if {
	size := effective.storage.size
	min := template_spec.primaryStorage.minSize
	quantity.compare(size, min) == -1
	v := {
		"policy": "workspaces.storage-bounds",
		"field": "spec.storage.size",
		"msg": sprintf("%v%s is below the minimum of template %s; ask for at least %v", [size, inherited(["storage", "size"]), template_name, min]),
	}
}

violation contains v if {
	size := effective.storage.size
	max := template_spec.primaryStorage.maxSize
	quantity.compare(size, max) == 1
	v := {
		"policy": "workspaces.storage-bounds",
		"field": "spec.storage.size",
		"msg": sprintf("%v%s is above the maximum of template %s; ask for at most %v", [size, inherited(["storage", "size"]), template_name, max]),
	}
}

# inherited says, in a message, that the value at path came from the
# template, so the user knows to set it rather than look for it.
inherited(path) := " (the template's default)" if {
	object.get(spec, path, null) == null
	object.get(effective, path, null) != null
} else := ""
