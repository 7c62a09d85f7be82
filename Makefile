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

# Compose the demo image from a generated proto area.
demo: build
	node dist/cli/main.js demo-proto $(DEMO)/ws --kernel build/testkernel/unix --force
	node dist/cli/main.js -p pureboot --format dir,tar -o $(DEMO)/out $(DEMO)/ws/proto

test: deps
	npm test

bench: build
	npm run bench

clean:
	rm -rf dist build out .cache
