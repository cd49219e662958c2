module github.com/weir-dev/weir/plugins/examples/httpjson

go 1.26.0

require github.com/weir-dev/weir v0.0.0

// Built inside the Weir repository: use the SDK next to it. A third party
// requires a tagged version instead and drops this line (see README.md).
replace github.com/weir-dev/weir => ../../..
