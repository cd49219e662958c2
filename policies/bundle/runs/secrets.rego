package weir.runs

# Credentials belong in Secrets. A Run is readable by everyone who can list
# Runs and is copied into a ConfigMap, so a secret-looking setting must be a
# ${VAR} reference to the container's environment, which `weir ingest`
# expands inside the pod. Which keys look secret is data
# (settings.runs.secretKeys, secretKeySuffixes).

import data.weir.lib.fields

deny contains v if {
	some i, source
	config := sources[i][source]

	# Every object in the config (the config itself included), then its
	# keys: the keys are what can look secret.
	walk(config, [parent, node])
	is_object(node)
	some key, value in node
	secret_key(key)
	literal(value)
	path := array.concat(parent, [key])
	field := fields.path(array.concat(["spec", "runs", i, source], path))
	env := env_name(array.concat([source], path))
	v := {
		"policy": "runs.literal-secret",
		"field": field,
		"msg": sprintf("literal secret; put it in a Secret and reference it: env: [{name: %s, valueFrom: {secretKeyRef: {name: <secret>, key: %s}}}] and %s: \"${%s}\"", [env, key, key, env]),
	}
}

# Keys compare without case, "_" or "-": api_key, apiKey and API-KEY match.
key_form(k) := lower(regex.replace(k, `[-_]`, ""))

secret_names := {key_form(k) | some k in settings.secretKeys}

secret_suffixes := {key_form(k) | some k in settings.secretKeySuffixes}

# secret_key and literal are true or false, never undefined: OPA remembers
# a function's answer for the next call (and Weir across decisions) only
# when it has one, and most keys are not secret, most values references.
secret_key(k) if {
	key_form(k) in secret_names
} else if {
	some suffix in secret_suffixes
	endswith(key_form(k), suffix)
} else := false

# A value is literal unless it holds a ${NAME} reference ($${ is an escaped,
# literal "${"). Numbers count: `password: 1234` is still a password.
literal(value) if {
	is_number(value)
} else if {
	is_string(value)
	value != ""
	not regex.match(`\$\{[^=$:{}\s]+\}`, replace(value, "$${", ""))
} else := false

env_name(segments) := upper(trim(regex.replace(concat("_", [sprintf("%v", [s]) | some s in segments]), `[^A-Za-z0-9]+`, "_"), "_"))
