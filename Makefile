# magesync — `make demo` runs the product, `make test` runs its tests.
.DEFAULT_GOAL := help
GO ?= go
BIN := bin/magesync

.PHONY: help build generate test lint verify demo

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-9s %s\n", $$1, $$2}'

build: ## build bin/magesync
	$(GO) build -o $(BIN) ./cmd/magesync

generate: ## regenerate the templ views (*_templ.go)
	$(GO) tool templ generate

test: ## run every test against a real MariaDB (started privately when none answers) and headless Chromium
	.ci/ensure-chromium
	.ci/ensure-axe
	.ci/with-mariadb $(GO) test -race -count=1 -timeout 12m ./...
	.ci/with-mariadb env MAGESYNC_BENCH_ORDERS=2000 $(GO) test -run '^$$' -bench BenchmarkPages -benchtime 2x ./web
	.ci/with-mariadb deploy/check-image

lint: ## go vet and a gofmt check
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

verify: lint ## lint, and check that generated files are fresh (on a clean clone: that they are committed fresh)
	@before=$$(find . -name '*_templ.go' -exec sha256sum {} + | sort); \
	$(GO) tool templ generate >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }; \
	after=$$(find . -name '*_templ.go' -exec sha256sum {} + | sort); \
	if [ "$$before" != "$$after" ]; then echo "generated *_templ.go files were stale (now regenerated): commit them"; exit 1; fi
	$(GO) mod verify

demo: ## a seeded Magento store, the Salesforce simulator and the admin on 127.0.0.1:8080
	MAGESYNC_DSN="$${MAGESYNC_TEST_DSN:-root@tcp(127.0.0.1:3306)/}" .ci/with-mariadb --keep $(GO) run ./cmd/magesync demo $(DEMO_FLAGS)
