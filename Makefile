# twin: top-level targets.
#
#   make              twin.ko for every kernel in KERNELS, twinctl, tests
#   make module       twin.ko for KDIR only (default: Debian 6.1 cloud)
#   make lint         checkpatch --strict, sparse (C=1), W=1 build
#   make check        setup if needed, lint, build, whole suite in test VMs
#   make demo         setup if needed, build, a guided datagram exchange
#   make debug-kernel the sanitizer lane's Linux 7.3 (kernel/debug.config),
#                     built once into ~/.cache/twin/debug-kernel/
#   make module-debug twin.ko against it: build/module/7.3-debug/twin.ko
#
# KDIR selects one kernel build tree; KERNELS lists kernel releases to
# build for (default: every installed Debian cloud 6.1 and 6.12 kernel).
# `uname -r` is never used: the build machine's kernel is unrelated.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

cloud_release = $(shell ls -d /lib/modules/$(1).*-cloud-amd64/build 2>/dev/null | \
	sed 's|/lib/modules/\(.*\)/build|\1|' | sort -V | tail -n1)
REL61 := $(call cloud_release,6.1)
REL612 := $(call cloud_release,6.12)
KERNELS ?= $(strip $(REL61) $(REL612))
KDIR ?= /lib/modules/$(REL61)/build

MODULE_SRCS := Kbuild $(wildcard module/*.c module/*.h) uapi/linux/twin.h

.PHONY: all module modules twinctl tests lint check demo bench setup clean \
	debug-kernel module-debug

all: modules twinctl tests

# Build twin.ko out of a private copy per kernel, so object files of two
# kernel lines never mix (kbuild before 6.13 has no separate output dir).
# The result is build/module/<release>/twin.ko.
KREL = $(notdir $(patsubst %/build,%,$(patsubst %/,%,$(KDIR))))
MODDIR ?= $(BUILD)/module/$(if $(KREL),$(KREL),kdir)

module: $(MODULE_SRCS)
	@mkdir -p $(MODDIR)
	@cp -a Kbuild module uapi $(MODDIR)/
	$(MAKE) -C $(KDIR) M=$(MODDIR) $(KBUILD_EXTRA) modules

modules:
	@test -n "$(KERNELS)" || { echo "no kernel headers: run scripts/setup" >&2; exit 1; }
	@set -e; for r in $(KERNELS); do \
		$(MAKE) --no-print-directory module KDIR=/lib/modules/$$r/build \
			MODDIR=$(BUILD)/module/$$r; \
	done

# The debug kernel's build directory works as KDIR (an O= build).
debug-kernel:
	scripts/debug-kernel

module-debug:
	@kdir=$$(scripts/debug-kernel) && \
	$(MAKE) --no-print-directory module KDIR=$$kdir MODDIR=$(BUILD)/module/7.3-debug

twinctl:
	$(MAKE) -C tools/twinctl

tests:
	$(MAKE) -C userspace-tests

lint:
	scripts/lint

check:
	scripts/check

demo:
	scripts/demo

bench:
	scripts/bench

setup:
	scripts/setup

clean:
	rm -rf $(BUILD)
	$(MAKE) -C tools/twinctl clean
	$(MAKE) -C userspace-tests clean
	$(MAKE) -C bench clean
