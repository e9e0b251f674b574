# Everyday entry points. `make test` and `make lint` are what CI runs
# (.ci/run); `make run` is the quickest way to try the API by hand.

# The moto_server used by `make run` and the integration tests: $MOTO_SERVER
# if set, else the repository's .venv, else PATH. internal/mototest and
# infra/run-local.sh look in the same order.
MOTO_SERVER ?= $(firstword $(wildcard .venv/bin/moto_server) $(shell command -v moto_server 2>/dev/null))
export MOTO_SERVER

.PHONY: build build-ApiFunction moto run test lint local deploy bench fuzz vulncheck clean

# Stamped into the binary for GET /health (internal/buildinfo).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
STAMP := -X github.com/acme/cognito-admin-gateway/internal/buildinfo.version=$(VERSION) -X github.com/acme/cognito-admin-gateway/internal/buildinfo.commit=$(COMMIT)

build:
	go build -ldflags="$(STAMP)" -o bin/gateway ./functions/api

# Called by `sam build` (Metadata.BuildMethod: makefile in template.yaml),
# which sets ARTIFACTS_DIR. provided.al2023 runs an executable named bootstrap;
# lambda.norpc drops the legacy RPC mode that this runtime never uses.
build-ApiFunction:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath -ldflags="-s $(STAMP)" -o $(ARTIFACTS_DIR)/bootstrap ./functions/api

# Installs moto into .venv unless a moto_server is already available.
moto:
	@if [ -z "$(MOTO_SERVER)" ]; then \
		echo "moto_server not found; installing moto[server] into .venv"; \
		python3 -m venv .venv && .venv/bin/pip install 'moto[server]'; \
	fi

run: moto build
	infra/run-local.sh

# -race about doubles the run (3 s to 6 s warm when it was added) and needs
# cgo, i.e. a C compiler, which the CI image has.
test:
	go test -race -count=1 ./...

lint:
	@unformatted="$$(find . -path './.*' -prune -o -name '*.go' -exec gofmt -l {} +)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	cfn-lint template.yaml
	openapi-spec-validator openapi/openapi.yaml

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

bench:
	go test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf bin .aws-sam coverage.out coverage.html *.test
