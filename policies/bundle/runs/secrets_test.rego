package weir.runs

secret_fields(config) := fields(d, "runs.literal-secret") if d := deny with input as request({"runs": [{"postgresql": config}]})

test_literal_password_denied_with_fix if {
	some v in deny with input as request({"runs": [{"postgresql": {"host": "h", "password": "hunter2"}}]})
	v.policy == "runs.literal-secret"
	v.field == "spec.runs[0].postgresql.password"
	v.msg == `literal secret; put it in a Secret and reference it: env: [{name: POSTGRESQL_PASSWORD, valueFrom: {secretKeyRef: {name: <secret>, key: password}}}] and password: "${POSTGRESQL_PASSWORD}"`
}

test_references_pass if {
	count(secret_fields({
		"password": "${PG_PASSWORD}",
		"token": "Bearer ${TOKEN}",
		"dsn_password": "${db.password}",
		"api_key": "",
	})) == 0
}

test_key_spellings_match if {
	secret_fields({
		"apiKey": "a",
		"API-KEY": "b",
		"client_secret": "c",
		"Credentials": "d",
		"db_password": "e",
		"sasl_password": "f",
		"refresh_token": "g",
	}) == {
		"spec.runs[0].postgresql.apiKey",
		"spec.runs[0].postgresql.API-KEY",
		"spec.runs[0].postgresql.client_secret",
		"spec.runs[0].postgresql.Credentials",
		"spec.runs[0].postgresql.db_password",
		"spec.runs[0].postgresql.sasl_password",
		"spec.runs[0].postgresql.refresh_token",
	}
}

test_nested_and_listed_secrets_denied if {
	secret_fields({
		"auth": {"token": "t"},
		"brokers": [{"host": "b", "sasl": {"password": "p"}}],
	}) == {"spec.runs[0].postgresql.auth.token", "spec.runs[0].postgresql.brokers[0].sasl.password"}
	some v in deny with input as request({"runs": [{"kafka": {"brokers": [{"sasl": {"password": "p"}}]}}]})
	contains(v.msg, "name: KAFKA_BROKERS_0_SASL_PASSWORD")
}

test_numbers_are_literal if {
	secret_fields({"password": 1234}) == {"spec.runs[0].postgresql.password"}
}

test_escaped_reference_is_literal if {
	secret_fields({"password": "$${NOT_A_REF}"}) == {"spec.runs[0].postgresql.password"}
}

test_other_keys_and_values_pass if {
	count(secret_fields({
		"host": "h",
		"user": "readonly",
		"partition_key": "id",
		"use_token": true,
		"token_file": "/var/run/token",
		"key": {"file": "/etc/key"},
	})) == 0
}

test_secret_keys_come_from_data if {
	count(secret_fields({"pin": "1234"})) == 0
	secret_fields({"pin": "1234"}) == {"spec.runs[0].postgresql.pin"} with data.settings.runs.secretKeys as ["pin"]
}
