# operator: every install step lives here, so that a clean clone needs only Node.js and npm.
SHELL := /bin/bash
.DEFAULT_GOAL := build
BUN ?= $(shell command -v bun 2>/dev/null || echo bun)

# command:debian-package pairs that the suite and the demo run for real.
APT_TOOLS := redis-server:redis-server redis-sentinel:redis-sentinel redis-cli:redis-tools \
             promtool:prometheus prometheus-alertmanager:prometheus-alertmanager etcd:etcd-server etcdctl:etcd-client tmux:tmux chromium:chromium

.PHONY: deps build test typecheck demo bench eval clean

deps: node_modules/.installed
	@missing=""; for pair in $(APT_TOOLS); do command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make deps: installing$$missing with apt-get" >&2; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null \
	      || { echo "make deps: apt-get failed; install these Debian packages by hand:$$missing" >&2; exit 1; }; \
	  else echo "make deps: missing Debian packages; run: sudo apt-get install$$missing" >&2; exit 1; fi; \
	fi

# Bun comes through npm when it is missing (the only prerequisite is Node.js with npm).
node_modules/.installed: package.json bun.lock
	@command -v bun >/dev/null 2>&1 || { echo "make deps: installing Bun with npm" >&2; npm install -g --silent bun >/dev/null; } \
	  || { echo "make deps: could not install Bun; run: npm install -g bun" >&2; exit 1; }
	@bun install --frozen-lockfile >/dev/null
	@touch $@

build: deps
	bun build --compile --minify --sourcemap --bytecode --format=esm cmd/main.ts --outfile operator

typecheck: deps
	bun x tsc --noEmit -p tsconfig.json

# Test files run in parallel worker processes; each file starts its own servers on free ports.
# A failure's details print where its file ran, far above the summary; on failure they are printed
# again after it (the last 60 lines before each "(fail)"), so a CI log's tail says what broke.
test: deps typecheck
	@set -o pipefail; bun test --parallel=2 --timeout=60000 $(TEST_FILES) 2>&1 | tee .test-output.log || { \
	  awk '/^\((pass|fail)\)|^[^ ].*\.test\.[mt]?[jt]s:$$/ { if ($$0 ~ /^\(fail\)/ && !summary) { blocks = blocks "\n" buf $$0 "\n" } ; n = 0; buf = ""; next } \
	       /^[0-9]+ tests? failed:$$/ { summary = 1 } \
	       !summary { n++; lines[n] = $$0; buf = ""; for (i = (n > 60 ? n - 59 : 1); i <= n; i++) buf = buf lines[i] "\n" } \
	       END { if (blocks != "") printf "\n==== the failures again, with the output before each ====%s", blocks }' .test-output.log; exit 1; }

# On a terminal the live view; piped, stdout carries only the demo's NDJSON (the build's output goes to stderr).
demo:
	@$(MAKE) --no-print-directory build >&2
	@./operator demo ratelimiter --auto

# stdout carries only the bench's JSON: the build's output goes to stderr.
bench:
	@$(MAKE) --no-print-directory build >&2
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "make bench: run: sudo apt-get install wrk" >&2; exit 1; }
	@bun bench/run.ts

# The full eval (about 7 minutes here); e.g. make eval EVAL_FLAGS="--engine both --save eval.json".
eval: build
	./operator eval --json $(EVAL_FLAGS)

clean:
	rm -rf operator node_modules .operator .operator-demo .operator-eval
