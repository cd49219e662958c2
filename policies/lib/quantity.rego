# Package weir.lib.quantity reads Kubernetes resource quantities ("500m",
# "1.5Gi", "2", "1e3", 4) as numbers (cores, bytes), so policies can compare
# them.
package weir.lib.quantity

# pattern is the API server's own syntax for a quantity.
pattern := `^[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`

valid(q) if is_number(q)

valid(q) if {
	is_string(q)
	regex.match(pattern, q)
}

# parse(q) is q as a number; undefined when q is not a quantity.
parse(q) := q if is_number(q)

parse(q) := n if {
	valid(q)
	is_string(q)
	n := scaled(q)
}

# units.parse knows every suffix but n, u and exponents; it also reads "1e3"
# as 1 exa, hence the order.
scaled(q) := to_number(q) if {
	regex.match(`[eE][+-]?[0-9.]+$`, q)
} else := to_number(trim_suffix(q, "n")) / 1000000000 if {
	endswith(q, "n")
} else := to_number(trim_suffix(q, "u")) / 1000000 if {
	endswith(q, "u")
} else := units.parse(trim_prefix(q, "+"))

# compare(a, b) is -1, 0 or 1 as quantity a is less than, equal to or greater
# than b; undefined when either is not a quantity.
compare(a, b) := -1 if parse(a) < parse(b)

compare(a, b) := 0 if parse(a) == parse(b)

compare(a, b) := 1 if parse(a) > parse(b)
