# Two entry points for a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := build/venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: demo test setup unit sanity lint molecule bench clean

setup:
	scripts/setup-system.sh
	scripts/setup-venv.sh

demo: setup
	scripts/demo.sh

test: setup
	scripts/test.sh

unit: setup
	pytest -n 2 -q

sanity: setup
	scripts/sanity.sh

lint: setup
	scripts/lint.sh

molecule: setup
	scripts/molecule.sh

bench: setup
	python bench/sizing.py

clean:
	rm -rf build
