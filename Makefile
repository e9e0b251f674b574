# Everyday entry points. `make test` and `make lint` are what CI runs
# (.ci/run); `make run` is the quickest way to try the API by hand.

# The moto_server used by `make run` and the integration tests: $MOTO_SERVER
# if set, else the repository's .venv, else PATH. internal/mototest and
# infra/run-local.sh look in the same order.
MOTO_SERVER ?= $(firstword $(wildcard .venv/bin/moto_server) $(shell command -v moto_server 2>/dev/null))
export MOTO_SERVER

.PHONY: build build-ApiFunction build-WorkerFunction moto run test lint check-node generate docs-assets local deploy bench fuzz vulncheck clean

# Stamped into the binary for GET /health (internal/buildinfo).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
STAMP := -X github.com/acme/cognito-admin-gateway/internal/buildinfo.version=$(VERSION) -X github.com/acme/cognito-admin-gateway/internal/buildinfo.commit=$(COMMIT)

build:
	go build -ldflags="$(STAMP)" -o bin/gateway ./functions/api

# Called by `sam build` (Metadata.BuildMethod: makefile in template.yaml),
# which sets ARTIFACTS_DIR. provided.al2023 runs an executable named bootstrap;
# lambda.norpc drops the legacy RPC mode that this runtime never uses;
# lambdaenv reads the AWS configuration from the environment Lambda sets,
# without linking LoadDefaultConfig's credential chains (internal/host).
build-ApiFunction:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc,lambdaenv -trimpath -ldflags="-s $(STAMP)" -o $(ARTIFACTS_DIR)/bootstrap ./functions/api

# The job worker is the same binary as a second function (GATEWAY_ROLE=worker
# in template.yaml).
build-WorkerFunction: build-ApiFunction

# Installs moto into .venv unless a moto_server is already available.
moto:
	@if [ -z "$(MOTO_SERVER)" ]; then \
		echo "moto_server not found; installing moto[server] into .venv"; \
		python3 -m venv .venv && .venv/bin/pip install 'moto[server]'; \
	fi

run: moto build
	infra/run-local.sh

# -race about doubles the run (3 s to 6 s warm when it was added) and needs
# cgo, i.e. a C compiler, which the CI image has. Tests keep what they save
# with t.ArtifactDir, such as the screenshots of /docs, under artifacts/,
# which holds the last run only. Then every benchmark runs once, so that none
# rots; no figure can fail it (`make bench` measures).
test:
	rm -rf artifacts && mkdir artifacts
	go test -race -count=1 -artifacts -outputdir=$(CURDIR)/artifacts ./...
	go test -run='^$$' -bench=. -benchtime=1x ./...

# Regenerates everything made from the spec, through the //go:generate lines
# (client/client.gen.go, ...); the generators are the `tool` lines in go.mod.
# CI fails if this changes a committed file.
generate:
	go generate ./...

# staticcheck is pinned by its `tool` line in go.mod and runs with its
# default checks; it must report nothing. Redocly's rules are in
# redocly.yaml: the recommended set, and more. The
# Node.js check comes first, so that an unsupported Node fails here, by name,
# rather than somewhere inside npm or Redocly CLI.
lint: check-node node_modules/.package-lock.json
	@unformatted="$$(find . -path './.*' -prune -o -path ./node_modules -prune -o -name '*.go' -exec gofmt -l {} +)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...
	cfn-lint template.yaml
	openapi-spec-validator openapi/openapi.yaml
	node_modules/.bin/redocly lint openapi/openapi.yaml

# package.json's engines.node: the Node.js versions Redocly CLI, pinned
# there, supports without a warning.
check-node:
	@node infra/check-node.mjs

# The npm packages pinned in package-lock.json: Redocly CLI for `make lint`,
# and Redoc, whose bundle `make docs-assets` copies. npm rewrites
# node_modules/.package-lock.json on every install, so it stamps the install.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# Copies Redoc's standalone bundle out of the pinned npm package into
# internal/docs/assets, where it is committed so that `go build` needs no
# npm, and records where it came from. It is gzipped, which keeps 0.8 MB out
# of the Lambda binary. Run it after changing the pin in package.json (and
# `npm install`); internal/docs's tests hold the copy to the pin and to
# node_modules.
REDOC_BUNDLE := node_modules/redoc/bundles/redoc.standalone.js
docs-assets: node_modules/.package-lock.json
	gzip -9 -n -c $(REDOC_BUNDLE) > internal/docs/assets/redoc.standalone.js.gz
	cp $(REDOC_BUNDLE).LICENSE.txt internal/docs/assets/
	echo "redoc $$(node -p 'require("./node_modules/redoc/package.json").version') bundles/redoc.standalone.js sha256:$$(sha256sum $(REDOC_BUNDLE) | cut -d' ' -f1)" > internal/docs/assets/provenance.txt

# Runs the function in Docker behind a local API Gateway; moto runs on the
# host. The container reaches the host as host.docker.internal, which Docker
# Desktop defines and Linux Docker Engine gets from --add-host ...:host-gateway.
# Start moto so the container can reach it, e.g. `moto_server -H 0.0.0.0 -p
# 5000` (127.0.0.1 is not reachable from inside the container).
# --build-in-source keeps sam from copying .venv into its scratch directory.
local:
	sam build --build-in-source
	sam local start-api --env-vars infra/sam-local-env.json --add-host host.docker.internal:host-gateway

# First deployment: `sam deploy --guided` writes samconfig.toml.
deploy:
	sam build --build-in-source
	sam deploy

# Fuzzes the whole handler for a bounded time (FUZZTIME, default 60s). The
# seed corpus already runs in `make test`.
FUZZTIME ?= 60s
fuzz:
	go test ./internal/gateway -run='^$$' -fuzz=FuzzGateway -fuzztime=$(FUZZTIME)

# Needs the Go vulnerability database at https://vuln.go.dev, which CI's
# machine cannot reach; run it where it can. v1.8.0 is the newest release
# the module proxy serves with all of its dependencies.
vulncheck:
	go run golang.org/x/vuln/cmd/govulncheck@v1.8.0 ./...

# The cold-start, per-request, memory and size comparison of BENCHMARKS.md,
# as one table. It needs only loopback and ../shared/tools/lambda-runtime-stub
# (or LAMBDA_RUNTIME_STUB), and takes about a minute. BENCHFLAGS passes
# options, e.g. BENCHFLAGS='-cold-runs 31 -rounds 9'.
bench:
	go run ./internal/benchmark/report $(BENCHFLAGS)

clean:
	rm -rf bin .aws-sam artifacts coverage.out coverage.html *.test
