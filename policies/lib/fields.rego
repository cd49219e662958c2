# Package weir.lib.fields writes field paths the way Kubernetes reports them
# (spec.runs[0].postgresql.password), and JSON pointers for patches.
package weir.lib.fields

# path turns segments (keys and array indexes, as walk yields them) into a
# field path. Keys that are not plain names are quoted:
# spec.podAnnotations["eks.amazonaws.com/role-arn"].
path(segments) := concat("", [s | some i, seg in segments; s := segment(i, seg)])

segment(i, seg) := sprintf("[%d]", [seg]) if {
	is_number(seg)
} else := seg if {
	i == 0
	plain(seg)
} else := concat("", [".", seg]) if {
	plain(seg)
} else := sprintf("[%s]", [json.marshal(seg)])

plain(seg) if regex.match(`^[A-Za-z_][A-Za-z0-9_-]*$`, seg)

# pointer turns segments into a JSON pointer (RFC 6901) for patch paths.
pointer(segments) := concat("", [s | some seg in segments; s := concat("", ["/", escape(seg)])])

escape(seg) := replace(replace(seg, "~", "~0"), "/", "~1") if {
	is_string(seg)
} else := sprintf("%d", [seg])
