# illumos-compose: the two commands for a fresh machine are `make demo` and `make test`.
SHELL := /bin/bash
DEMO := build/demo
export SOURCE_DATE_EPOCH ?= 1767225600

.PHONY: all deps build testkernel demo test bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps testkernel
	npm run build

testkernel:
	bash testkernel/build.sh build/testkernel

# Compose the demo image from a generated workspace, then boot-test it in QEMU (TCG) and show
# what the stand-in kernel saw.
demo: build
	node dist/cli/main.js demo-proto $(DEMO)/ws --kernel build/testkernel/unix --force
	node dist/cli/main.js -p $(DEMO)/ws/demo.yaml --format iso,ufs,tar -o $(DEMO)/out $(DEMO)/ws/proto
	node dist/cli/main.js boot-test $(DEMO)/out/demo.iso --timeout 120 \
		--check-archive $(DEMO)/out/demo.boot_archive --check-manifest $(DEMO)/out/demo.manifest.json

test: deps
	npm test

bench: build
	npm run bench

clean:
	rm -rf dist build out .cache
