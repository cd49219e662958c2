# Package weir.lib.admission answers what every policy asks of a request.
package weir.lib.admission

# reviewed is the object being admitted. It is undefined on DELETE (there is
# no new object) and while the object is being deleted, so that no policy can
# block the removal of a finalizer.
reviewed := input.object if {
	input.operation in {"CREATE", "UPDATE"}
	is_object(input.object)
	not input.object.metadata.deletionTimestamp
}

# namespace is the request's namespace, or the object's own when the request
# names none (a manifest evaluated offline).
namespace := input.namespace if {
	input.namespace != ""
} else := input.object.metadata.namespace
