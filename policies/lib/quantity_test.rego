package weir.lib.quantity

test_parse_cpu if {
	parse("100m") == 0.1
	parse("2") == 2
	parse("1.5") == 1.5
	parse(4) == 4
	parse("250000u") == 0.25
	parse("500000000n") == 0.5
}

test_parse_memory if {
	parse("128Mi") == 134217728
	parse("1Gi") == 1073741824
	parse("1G") == 1000000000
	parse("1.5Gi") == 1610612736
	parse("1e3") == 1000
	parse("1E") == 1000000000000000000
	parse("+1k") == 1000
}

test_parse_rejects_non_quantities if {
	not parse("1 Gi")
	not parse("1GB")
	not parse("lots")
	not parse("")
	not parse(true)
	not valid("1K")
}

test_compare if {
	compare("512Mi", "1Gi") == -1
	compare("1024Mi", "1Gi") == 0
	compare("2", "1500m") == 1
	not compare("x", "1")
}
