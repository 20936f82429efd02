# Ingot's everyday commands (CONTRIBUTING.md). CI (.ci/run) runs the same
# scripts: .ci/check, the README's test command, .ci/fuzz.

FUZZTIME ?= 5s
FUZZ_TARGETS ?= .
BENCH_DURATION ?= 10s

.PHONY: help test check fuzz docs bench bench-http

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

test: ## the README's test command (PostgreSQL too when INGOT_TEST_POSTGRES_URL is set)
	go test -race ./...

check: ## gofmt -l (must be empty), go vet, staticcheck (pinned in go.mod, staticcheck.conf)
	.ci/check

fuzz: ## every fuzz target for FUZZTIME each (default 5s); FUZZ_TARGETS=regexp picks some
	.ci/fuzz $(FUZZTIME) '$(FUZZ_TARGETS)'

docs: ## regenerate docs/api.md's examples from a real server (TestAPIDocExamples -update)
	go test -count=1 -run '^TestAPIDocExamples$$' ./httpapi -update

bench: ## the engine benchmark, both stores when INGOT_TEST_POSTGRES_URL is set (compare with benchstat)
	go test -run '^$$' -bench BenchmarkEngine -benchtime 3s -count 3 ./ledger

bench-http: ## ingot bench over HTTP on SQLite and PostgreSQL, BENCH_DURATION each (default 10s)
	.ci/bench-http $(BENCH_DURATION)
