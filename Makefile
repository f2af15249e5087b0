# pydma: two commands on a fresh machine -- `make sim` and `make test`.
# Each creates .venv from requirements.lock when missing, then runs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2
# pytest-xdist hands each worker at most 2 items at a time: the long items (first, tests/conftest.py)
# go to whichever worker is free instead of one worker's initial batch
XDIST_SCHED = --maxschedchunk 2

# make sim [TEST=path/to/my_test.py] [WAVES=1|fst|vcd] [SEED=n] [DATA_W=..] [ADDR_W=..] [NUM_CH=..]
#          [MEM=python|native] [PGO=0]   (memory model; long runs default to native, whose
#          build is profile-guided unless PGO=0: about 40 s more to build, a quarter faster)
#          [DEVICES=2]   (two controllers on the memory: dma0 memcpy/slave/cyclic, dma1
#          memcpy/XOR/PQ/memset at its own DMA offset; tb/dual)
#          [TRACE=1]   (a timeline trace for Perfetto and its PNG in the run directory, paths
#          printed; make sim's demo always writes them. TRACE=1 works for make test, soak,
#          dmatest and raid6test too: docs/trace.md)
TEST ?=
TRACE_ENV := $(if $(filter 1,$(TRACE)),PYDMA_TRACE=1)
PGO ?= 1
SIM_PARAMS := $(foreach p,DATA_W ADDR_W NUM_CH,$(if $($(p)),--param $(p)=$($(p))))
SIM_OPTS := $(if $(WAVES),--waves $(WAVES)) $(if $(SEED),--seed $(SEED)) $(SIM_PARAMS) $(if $(DEVICES),--devices $(DEVICES))
MEM_OPT = --mem $(or $(MEM),$(1)) $(if $(filter 1,$(PGO)),$(if $(filter native,$(or $(MEM),$(1))),--pgo))

.PHONY: all sim test soak coverage lint dmatest raid6test gen venv clean bench synth mutate

all: test

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

venv: $(STAMP)

# make bench [BENCH_ARGS="--only memcpy --skip-make-test"]: every benchmark, then
# bench/results.md and bench/*.png (runs make test too, for its wall time)
bench: $(STAMP)
	$(PY) -m tb.bench.run $(BENCH_ARGS)

SYNTH_STAMP := $(VENV)/.synth-installed
$(SYNTH_STAMP): $(STAMP) requirements-synth.lock
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-synth.lock
	@touch $@

# make synth [SYNTH_ARGS="--only ch4_d64 --seeds 1"]: Yosys (slang front end) and nextpnr-ecp5
# over the configuration matrix, 3 seeds each; writes the Implementation tables
# (bench/results.md, docs/performance.md). Cached per configuration in build/synth.
synth: $(SYNTH_STAMP)
	$(PY) -m tools.synth --jobs $(JOBS) $(SYNTH_ARGS)

sim: $(STAMP)
ifeq ($(TEST),)
	$(PY) -m tb.runner --test tb/demo.py --trace $(SIM_OPTS) $(call MEM_OPT,python)
else
	$(TRACE_ENV) $(PY) -m tb.runner --test $(abspath $(TEST)) $(SIM_OPTS) $(call MEM_OPT,python)
endif

# make test [SEED=n] [SHARD=k/N] [PYTEST_ARGS=...]: JUnit XML in build/reports/junit.xml;
# interrupts and tasklets run after seeded random delays, as on a loaded machine
# (PYDMA_JITTER=0 make test: without them; docs/debug.md);
# SHARD=k/N runs the k-th of N deterministic parts (pytest-split), for a CI matrix
SHARD_ARGS = $(if $(SHARD),--splits $(word 2,$(subst /, ,$(SHARD))) --group $(word 1,$(subst /, ,$(SHARD))))
test: $(STAMP)
	$(TRACE_ENV) $(PY) -m pytest -n $(JOBS) $(XDIST_SCHED) -ra $(if $(SEED),--seed $(SEED)) --junitxml=build/reports/junit.xml $(SHARD_ARGS) $(PYTEST_ARGS)

# make soak [SOAK_OPS=1000] [SEED=n] [DATA_W=..] [STALLS=0.2]: operations per channel
# make soak SEEDS=a-b [SOAK_OPS=..]: one soak per seed over pytest-xdist's JOBS workers; the
# failed seeds are listed with the command that reruns each (tb/sweep)
SOAK_OPS ?= 1000
STALLS ?= 0.2
soak: $(STAMP)
ifeq ($(SEEDS),)
	$(TRACE_ENV) $(PY) -m tb.runner --test tests/hdl/hdl_soak.py --env PYDMA_SOAK_OPS=$(SOAK_OPS) --env PYDMA_STALLS=$(STALLS) $(SIM_OPTS) $(call MEM_OPT,native)
else
	$(TRACE_ENV) SOAK_OPS=$(SOAK_OPS) STALLS=$(STALLS) $(PY) -m pytest -n $(JOBS) -q tb/sweep --rootdir tb/sweep \
	  --seeds $(SEEDS) --rerun "make soak SOAK_OPS=$(SOAK_OPS) STALLS=$(STALLS)$(if $(TRACE), TRACE=$(TRACE))" $(SWEEP_ARGS)
endif

# make coverage: the simulation regression on coverage builds, then line and toggle
# coverage of rtl/ (build/reports/coverage.md); fails below 90% line coverage. Each run
# also samples the functional coverage model (tb/fcov: operation x width x alignment x
# length x stall, fault phase x kind x channel, slave set-ups, request handshakes,
# terminate and pause points) into its run directory's fcov.yml; the report's "Functional
# coverage" section merges them, lists every bin not hit with its reason
# (tb/fcov/waivers.txt) and fails below 95% of bins hit. Progress
# (simulations done of total, elapsed, left) from the tb.pytest_progress plugin
COVERAGE_PROGRESS := -p tb.pytest_progress --progress-what "make coverage" --progress-unit simulations
coverage: $(STAMP)
	rm -rf build/sim/*_cov/runs
	PYDMA_COVERAGE=1 $(PY) -m pytest -n $(JOBS) $(XDIST_SCHED) -q $(COVERAGE_PROGRESS) tests/test_hdl.py $(if $(SEED),--seed $(SEED)) $(PYTEST_ARGS); \
	  status=$$?; $(PY) -m tools.coverage --min-line 90 --min-functional 95 && exit $$status

# make dmatest ARGS="iterations=20 test_buf_size=4096 threads_per_chan=2"
dmatest: $(STAMP)
	$(TRACE_ENV) $(PY) -m tb.runner --test tests/hdl/hdl_dmatest.py --env 'DMATEST_ARGS=$(ARGS)' $(SIM_OPTS) $(call MEM_OPT,native)

# make raid6test [DISKS="4 5 11 12 24 64"]: the kernel's raid6test (async_tx RAID-6 syndrome
# and the recovery of every pair of failed blocks), on the controller
raid6test: $(STAMP)
	$(TRACE_ENV) $(PY) -m tb.runner --test tests/hdl/hdl_raid6test.py --env 'RAID6TEST_DISKS=$(DISKS)' $(SIM_OPTS) $(call MEM_OPT,native)

# make mutate [MUTATE_ARGS="--only ID ... | --list | -j 2"]: each realistic single bug of
# tools/mutations.py applied to a scratch copy of pydma/ (build/mutate), its regression subset
# run against it; build/reports/mutation.md. Fails below 90% killed or on an unexplained survivor
mutate: $(STAMP)
	$(PY) -m tools.mutate $(MUTATE_ARGS)

lint: $(STAMP)
	$(PY) -m tools.lint
	$(VENV)/bin/ruff check pydma tb tools tests examples
	$(VENV)/bin/ruff format --check pydma tb tools tests examples

gen: $(STAMP)
	$(PY) -m pydma.hw.generate

clean:
	rm -rf build
