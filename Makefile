# Weir: `make run` starts a local cluster and the operator; `make test` runs
# every test. Both install what they need on a fresh machine.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The one image reference: make image builds it, and the binary (make build,
# make image, the Dockerfile) takes it as the default --image of ingestion
# pods. The chart (operator.image) and config/manager name the same
# repository at the release's tag (operator/cmd/weir/image_test.go checks they agree).
IMAGE_REPO ?= ghcr.io/weir-dev/weir
IMG ?= $(IMAGE_REPO):$(VERSION)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.image=$(IMG)
CONTROLLER_GEN := go run sigs.k8s.io/controller-tools/cmd/controller-gen
# Where the control-plane binaries live (built on first use, cached by version).
K8S_BIN = $(shell hack/control-plane.sh)
CLUSTER ?= weir

.PHONY: help
help: ## List targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/\$$\$$/$$/g' | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# Built-in sources are wasm modules embedded in weir (plugins/builtin).
# Every plugins/sources/<id>/plugin is one: a new source is built in by
# existing (plugins/builtin's test fails when one is missing from weir).
BUILTIN_IDS := $(sort $(patsubst plugins/sources/%/plugin/,%,$(wildcard plugins/sources/*/plugin/)))
BUILTIN_WASM := $(foreach id,$(BUILTIN_IDS),plugins/builtin/wasm/$(id).wasm plugins/builtin/wasm/$(id).json)
PLUGIN_SRC := $(shell find plugins/sdk plugins/model plugins/source plugins/sources -name '*.go' -not -name '*_test.go' 2>/dev/null)

.PHONY: plugins
plugins: $(BUILTIN_WASM) ## Build the built-in source modules (wasm).

plugins/builtin/wasm/%.wasm: $(PLUGIN_SRC)
	GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags '-s -w' -buildmode=c-shared -o $@ ./plugins/sources/$*/plugin

# The module's own description, so the operator knows its config schema
# without compiling it.
plugins/builtin/wasm/%.json: plugins/builtin/wasm/%.wasm
	go run ./plugins/builtin/describe $< > $@.tmp && mv $@.tmp $@

.PHONY: build
build: plugins ## Build bin/weir.
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/weir ./operator/cmd/weir

# Without Docker and without pulling a base image (hack/image.sh,
# test/tools/image): the static binary, the built-ins' precompiled code, this
# machine's CA certificates, user 65532. Push with `$$(make -s crane) push
# bin/image $(IMG)` or `kind load image-archive bin/weir-image.tar`.
.PHONY: image
image: plugins ## Build the image $(IMG) into bin/image (OCI layout) and bin/weir-image.tar, without Docker.
	VERSION='$(VERSION)' LDFLAGS='$(LDFLAGS)' hack/image.sh '$(IMG)' bin

.PHONY: crane
crane: ## Build crane (push, copy, inspect images) into bin/ from the Go module proxy and print its path.
	@hack/crane.sh

.PHONY: docker-build
docker-build: ## Build the image $(IMG) with Docker (the Dockerfile; same contents as make image).
	docker build --build-arg VERSION='$(VERSION)' --build-arg IMG='$(IMG)' -t '$(IMG)' .

# The targets kubebuilder projects have, against the cluster of $$KUBECONFIG
# (kubectl from hack/control-plane.sh unless KUBECTL is set). config/ is
# built in a temporary copy whose config/manager image is set to IMG
# (`kustomize edit set image`, as kubebuilder does in place): the checkout
# stays clean, and config/manager's replacement copies IMG into the
# manager's --image for ingestion pods. Server-side apply, as test/kwok
# applies CRDs: no 120 KB last-applied annotation on the Workspace CRD.
KUSTOMIZE = $(shell hack/kustomize.sh)
KUBECTL ?= $(K8S_BIN)/kubectl
DIST ?= dist
ignore-not-found ?= false
# $(call kustomize-build,<dir under config>) prints that kustomization's objects with IMG set.
kustomize-build = tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cp -r config "$$tmp/" && \
	(cd "$$tmp/config/manager" && $(KUSTOMIZE) edit set image 'ghcr.io/weir-dev/weir=$(IMG)') && \
	$(KUSTOMIZE) build "$$tmp/config/$(1)"

.PHONY: install
install: ## Install the CRDs (config/crd) into the cluster of $$KUBECONFIG.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side --force-conflicts -f -

.PHONY: uninstall
uninstall: ## Delete the CRDs, and with them every Weir object; ignore-not-found=true to skip missing ones.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: ## Deploy config/default (CRDs, RBAC, manager, webhooks) with the image IMG=…
	$(call kustomize-build,default) | $(KUBECTL) apply --server-side --force-conflicts -f -

.PHONY: undeploy
undeploy: ## Delete what make deploy made; ignore-not-found=true to skip missing ones.
	$(call kustomize-build,default) | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: build-installer
build-installer: ## Write dist/install.yaml (or DIST=dir): config/default with the image IMG=…, one file for kubectl apply -f.
	mkdir -p '$(DIST)'
	$(call kustomize-build,default) > '$(DIST)/install.yaml.tmp'
	mv '$(DIST)/install.yaml.tmp' '$(DIST)/install.yaml'

.PHONY: generate
generate: ## Generate deepcopy code.
	$(CONTROLLER_GEN) object paths=./operator/api/...

.PHONY: manifests
manifests: ## Generate CRDs, RBAC and webhook configurations (webhooks/table.go), and copy them into the Helm chart.
	$(CONTROLLER_GEN) crd rbac:roleName=weir-manager paths=./operator/... paths=./webhooks/... paths=./access/... \
	  output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	rm -f charts/weir/crds/*.yaml && cp config/crd/bases/*.yaml charts/weir/crds/
	cp config/rbac/role.yaml charts/weir/files/role.yaml
	go run ./webhooks/gen

.PHONY: verify-generated
verify-generated: generate manifests ## Fail when generated files are out of date.
	@if [ -n "$$(git status --porcelain -- operator/api config/crd config/rbac config/webhook charts/weir/crds charts/weir/files)" ]; then \
	  git status --porcelain -- operator/api config/crd config/rbac config/webhook charts/weir/crds charts/weir/files; \
	  echo "generated files are out of date: run 'make generate manifests' and commit the result" >&2; exit 1; fi

.PHONY: lint
lint: plugins ## gofmt, go vet, golangci-lint (.golangci.yml) and kube-api-linter on the API types.
	@out=$$(gofmt -l $$(ls -d access operator plugins webhooks policies test 2>/dev/null)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go vet -tags e2e ./test/e2e/...
	$(MAKE) lint-go

.PHONY: lint-go
lint-go: ## golangci-lint with kube-api-linter
	$$(hack/golangci-lint.sh) run --build-tags e2e ./...

.PHONY: tools
tools: ## Build the control plane, kwok, helm, Caddy, the test OIDC provider, Prometheus+promtool and cert-manager (cached under bin/).
	hack/control-plane.sh >/dev/null
	hack/helm.sh >/dev/null
	hack/caddy.sh >/dev/null
	hack/oidc-provider.sh >/dev/null
	hack/prometheus.sh >/dev/null
	hack/cert-manager.sh >/dev/null

.PHONY: helm
helm: ## Build helm into bin/ (from the Go module proxy) and print its path.
	@hack/helm.sh

.PHONY: helm-lint
helm-lint: ## helm lint the chart.
	$$(hack/helm.sh) lint --strict charts/weir

.PHONY: test
test: tools plugins lint verify-generated test-policies test-unit test-e2e ## Every test: Rego, unit, envtest, Helm, e2e on kwok.

.PHONY: test-policies
test-policies: plugins ## The default bundle's Rego tests, with their coverage.
	go run ./operator/cmd/weir policy test

.PHONY: test-unit
test-unit: plugins ## Unit, envtest (real kube-apiserver and etcd) and Helm render tests.
	KUBEBUILDER_ASSETS=$(K8S_BIN) HELM=$$(hack/helm.sh) go test -count=1 ./...
	cd test/tools/image && go test -count=1 .
	cd test/tools/prometheus && GOFLAGS=-mod=mod go test -count=1 ./...

.PHONY: test-helm
test-helm: ## Chart lint and render tests.
	K8S_BIN=$(K8S_BIN) HELM=$$(hack/helm.sh) go test -count=1 ./test/helm/...

.PHONY: test-e2e
test-e2e: build ## e2e on a kwok cluster with the real kubectl (and make run, helm install).
	K8S_BIN=$(K8S_BIN) WEIR=$(CURDIR)/bin/weir HELM=$$(hack/helm.sh) PROMETHEUS_DIR=$$(hack/prometheus.sh) \
	  go test -count=1 -p 1 -tags e2e -timeout 50m -v ./test/e2e/...

# Every Go fuzz target in the module (the packages whose tests define a
# Fuzz function, listed by go test -list), each for FUZZTIME. Plain go test
# runs their seeds (f.Add and testdata/fuzz/<Name>/), so make test does too.
FUZZTIME ?= 20s
.PHONY: fuzz
fuzz: plugins ## Run every Go fuzz target for FUZZTIME each (default 20s); failing inputs land in testdata/fuzz.
	pkgs=$$(go list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do \
		if grep -qsE '^func Fuzz[A-Z0-9_]' "$$dir"/*_test.go; then echo "$$pkg"; fi; done); \
	test -n "$$pkgs" || { echo "no fuzz targets found" >&2; exit 1; }; \
	targets=$$(go test -list '^Fuzz' $$pkgs | awk '/^Fuzz/ {n[++c] = $$1} /^ok / {for (i = 1; i <= c; i++) print $$2, n[i]; c = 0}'); \
	echo "$$targets" | while read -r pkg name; do \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		go test "$$pkg" -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

.PHONY: bench
bench: build ## Go benchmarks, 1,000 Runs and the webhook latency (on vs off), 1,000 Workspaces, the manager's memory (kwok), the sources wasm vs native; then one table of issue 15's targets (bin/bench-table.md).
	mkdir -p bin
	hack/caddy.sh >/dev/null # access's BenchmarkProxyAuth runs through Caddy
	KUBEBUILDER_ASSETS=$(K8S_BIN) go test -run '^$$' -bench . -benchmem -count 5 ./access/ ./operator/... ./policies/... ./webhooks/... ./plugins/sink/ ./plugins/ingest/ ./plugins/host/ ./plugins/builtin/ ./plugins/sdk/go/ | tee bin/bench-go.txt
	K8S_BIN=$(K8S_BIN) WEIR=$(CURDIR)/bin/weir hack/bench-scale.sh
	K8S_BIN=$(K8S_BIN) WEIR=$(CURDIR)/bin/weir hack/bench-workspaces.sh
	$(MAKE) bench-memory
	$(MAKE) bench-plugins
	go run ./test/bench/table -dir bin -out bin/bench-table.md

# The manager's memory with MEMORY_RUNS Runs and MEMORY_WORKSPACES
# Workspaces on kwok (issue 15's size by default: about an hour on 2 cores;
# a smaller size is reported, never counted as met, by the table).
MEMORY_RUNS ?= 10000
MEMORY_WORKSPACES ?= 5000
.PHONY: bench-memory
bench-memory: build ## The manager's RSS and heap with MEMORY_RUNS Runs and MEMORY_WORKSPACES Workspaces on kwok.
	K8S_BIN=$(K8S_BIN) WEIR=$(CURDIR)/bin/weir N_RUNS=$(MEMORY_RUNS) N_WORKSPACES=$(MEMORY_WORKSPACES) hack/bench-memory.sh

# On a throwaway PostgreSQL of 2,000 tables x 20 columns, each variant a
# fresh process (test/bench/plugins). Figures are reported, never asserted.
.PHONY: bench-plugins
bench-plugins: build ## The PostgreSQL, MySQL and S3 sources: wasm vs native (medians of fresh processes); PostgreSQL's cold compile vs cached start and assets/s into a fake Marmot.
	go build -o bin/bench-plugins ./test/bench/plugins
	bin/bench-plugins -weir bin/weir | tee bin/bench-plugins.txt

.PHONY: cluster-up
cluster-up: ## Start a local kwok cluster with one fake node.
	K8S_BIN=$(K8S_BIN) hack/cluster.sh up $(CLUSTER)

.PHONY: cluster-down
cluster-down: ## Delete the local kwok cluster.
	K8S_BIN=$(K8S_BIN) hack/cluster.sh down $(CLUSTER)

.PHONY: run
run: build ## Run the operator on a local kwok cluster; with $$KUBECONFIG set, only with ALLOW_CLUSTER=1.
	K8S_BIN=$(K8S_BIN) WEIR=$(CURDIR)/bin/weir ALLOW_CLUSTER=$(ALLOW_CLUSTER) WEBHOOKS=$(WEBHOOKS) hack/run.sh $(CLUSTER)

.PHONY: demo
demo: build ## Guided mode locally: kwok, Caddy, an OIDC provider, Jupyter stand-ins, the operator; open the printed URL
	hack/caddy.sh >/dev/null
	hack/oidc-provider.sh >/dev/null
	K8S_BIN=$(K8S_BIN) WEIR=$(CURDIR)/bin/weir HELM=$$(hack/helm.sh) go run ./test/demo
