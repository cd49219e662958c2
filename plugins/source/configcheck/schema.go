package configcheck

// StringList is the JSON Schema of a list of strings.
func StringList(desc string) map[string]any {
	return map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": desc}
}

// CommonSchema is the JSON Schema of the keys every built-in source takes
// and Checker reads the same way (tags, external_links, filter), for a
// source's describe to merge into its own properties.
func CommonSchema() map[string]any {
	return map[string]any{
		"tags": StringList("Tags to apply to discovered assets; ${key} is replaced by the asset's metadata value."),
		"external_links": map[string]any{
			"type":        "array",
			"description": "External links (accepted; not applied by this source, as upstream).",
			"items": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             []any{"name", "url"},
				"properties": map[string]any{
					"name": map[string]any{"type": "string"},
					"url":  map[string]any{"type": "string"},
					"icon": map[string]any{"type": "string"},
				},
			},
		},
		"filter": map[string]any{
			"type":                 "object",
			"description":          "Filter discovered assets by name (regex); applied by the host.",
			"additionalProperties": false,
			"properties": map[string]any{
				"include": StringList("Keep only assets whose name matches one of these."),
				"exclude": StringList("Drop assets whose name matches one of these."),
			},
		},
	}
}
