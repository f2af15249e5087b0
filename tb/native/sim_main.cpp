// Copyright cocotb contributors
// Licensed under the Revised BSD License, see LICENSE for details.
// SPDX-License-Identifier: BSD-3-Clause
//
// pydma: cocotb 2.1's Verilator main loop (share/lib/verilator/verilator.cpp), used for the
// native-memory top (tb/runner.py), with changes that keep Python, VPI bookkeeping and the
// model off the time steps where nothing needs them:
// - the loop makes the clock: it toggles the top's clk input every PYDMA_CLK_HALF_PS (set by
//   tb/runner.py), after the time step's timed callbacks, like a clock made in HDL, but
//   without Verilator's --timing scheduler (coroutines) on every edge. The clock's
//   value-change callbacks run before the edge is evaluated, as for a clock written through
//   VPI (cocotb's Clock): Python reads at RisingEdge(clk) the values from before the edge;
// - the falling edge is not evaluated: nothing in the native top is sensitive to it. Only
//   the model's record of the clock's last value is updated, so that the next rising edge is
//   one. A copy of the clock inside the model (a submodule's clk port, such as
//   dut.u_dmac.clk) then stays high until the next evaluation, so the fall is evaluated as
//   usual while a callback watches a clock, if Python changes an input at the fall, with
//   waves on, or in a build without that record (record_clk_low); and before Python reads a
//   value or registers a value-change callback in a low phase left unevaluated;
// - value-change callbacks are settled only when something may have changed a value: after
//   each evaluation, and after callback phases that ran a callback (cocotb's loop settles
//   after every phase of every time step, whether or not anything ran), and at a clock
//   toggle only while some callback watches the clock (see vpi_register_cb below);
// - read-write and read-only callbacks are looked for only when some are registered (each
//   call would first scan the timed callbacks; those due are moved once per time step, by
//   the next-time-step call).

#include <libgen.h>  // basename
#include <stdio.h>   // stderr, fprintf

#include <cstring>        // std::strcmp
#include <memory>         // std::unique_ptr
#include <string>         // std::string
#include <type_traits>    // std::void_t
#include <unordered_set>  // the clock's value-change callbacks

#include "Vtop.h"
#include "Vtop___024root.h"  // the clock edge detector's last value (record_clk_low)
#include "verilated.h"
#include "verilated_vpi.h"

#ifndef VM_TRACE_FST
// emulate new verilator behavior for legacy versions
#define VM_TRACE_FST 0
#endif

#if VM_TRACE
#if VM_TRACE_FST
#include <verilated_fst_c.h>
using verilated_trace_t = VerilatedFstC;
#elif VM_TRACE_SAIF
#include <verilated_saif_c.h>
using verilated_trace_t = VerilatedSaifC;
#else
// VM_TRACE_VCD
#include <verilated_vcd_c.h>
using verilated_trace_t = VerilatedVcdC;
#endif
static verilated_trace_t *tfp;
#endif

// Verilator finds a rising edge of clk by comparing it with its value at the last
// evaluation, kept in the model's root. A build whose only clock trigger is the top's clk
// has that record (tb/runner.py checks there is no other); a build with every signal public
// (waves) has one per module and no such member: the falling edge is evaluated there.
template <typename Root, typename = void>
struct has_clk_record : std::false_type {};
template <typename Root>
struct has_clk_record<Root, std::void_t<decltype(&Root::__Vtrigprevexpr___TOP__clk__0)>>
    : std::true_type {};

// Record that the model has seen clk low without evaluating it; false if it cannot.
template <typename Root>
static bool record_clk_low(Root* root) {
    if constexpr (has_clk_record<Root>::value) {
        root->__Vtrigprevexpr___TOP__clk__0 = 0;
        return true;
    } else {
        (void)root;
        return false;
    }
}

// Which value-change callbacks watch the clock. tb/runner.py compiles the native build with
// Verilator's vpi_register_cb and vpi_remove_cb renamed to pydma_vl_... (PYDMA_VPI_WRAP),
// so cocotb's calls, bound by name to this executable, land here first and go on to
// Verilator's. A callback whose object has no name counts as watching the clock. At a clock
// toggle nothing but the clock has changed since the last settle, so when no callback
// watches a signal named clk (every clock in rtl/ and tb/ is) that pass would find nothing
// and is skipped: two of the three passes of a cycle while Python waits for something else.
//
// A falling edge left unevaluated (see record_clk_low) is evaluated when Python first looks:
// before it reads a value or registers a value-change callback, whose first value Verilator
// records at registration, so that clock copies inside the model read low and their next
// rise is seen as one.
static Vtop* model = nullptr;
static bool fall_unevaluated = false;
#ifdef PYDMA_VPI_WRAP
static void evaluate_fall() {
    if (!fall_unevaluated) return;
    fall_unevaluated = false;
    model->eval_step();
}
#undef vpi_register_cb
#undef vpi_remove_cb
#undef vpi_get_value
static std::unordered_set<vpiHandle> clk_value_cbs;
extern "C" vpiHandle vpi_register_cb(p_cb_data cb_data_p) {
    if (cb_data_p->reason == cbValueChange) evaluate_fall();
    vpiHandle cb = pydma_vl_vpi_register_cb(cb_data_p);
    if (cb && cb_data_p->reason == cbValueChange && cb_data_p->obj) {
        const char* name = vpi_get_str(vpiName, cb_data_p->obj);
        if (!name || std::strcmp(name, "clk") == 0) clk_value_cbs.insert(cb);
    }
    return cb;
}
extern "C" PLI_INT32 vpi_remove_cb(vpiHandle cb) {
    clk_value_cbs.erase(cb);
    return pydma_vl_vpi_remove_cb(cb);
}
extern "C" void vpi_get_value(vpiHandle object, p_vpi_value value_p) {
    evaluate_fall();
    pydma_vl_vpi_get_value(object, value_p);
}
static inline bool clock_watched() { return !clk_value_cbs.empty(); }
#else
static inline bool clock_watched() { return true; }
#endif

static vluint64_t main_time = 0;  // Current simulation time
#if VM_COVERAGE
static bool coverage_per_instance = false;
#endif

double sc_time_stamp() {  // Called by $time in Verilog
    return main_time;     // converts to double, to match
                          // what SystemC does
}

extern "C" {
void vlog_startup_routines_bootstrap(void);
}

static inline bool settle_value_callbacks() {
    bool cbs_called, again;

    // Call Value Change callbacks
    // These can modify signal values so we loop
    // until there are no more changes
    cbs_called = again = VerilatedVpi::callValueCbs();
    while (again) {
        again = VerilatedVpi::callValueCbs();
    }

    return cbs_called;
}

void wrap_up() {
    VerilatedVpi::callCbs(cbEndOfSimulation);

#if VM_TRACE
    if (tfp) {
        // We don't delete the trace object to avoid deadlock in verilator sims.
        tfp->close();
    }
#endif

    // VM_COVERAGE is a define which is set if Verilator is
    // instructed to collect coverage (when compiling the simulation)
#if VM_COVERAGE
    if (coverage_per_instance) {
        Verilated::threadContextp()->coveragep()->forcePerInstance(true);
    }
    VerilatedCov::write();  // Uses +verilator+coverage+file+<filename>,
                            // defaults to coverage.dat
#endif
}

int main(int argc, char **argv) {
#if VM_TRACE_FST
    const char *traceFile = "dump.fst";
#elif VM_TRACE_SAIF
    const char *traceFile = "dump.saif";
#else
    const char *traceFile = "dump.vcd";
#endif
    bool traceOn = false;
    bool traceFlush = false;
    bool coveragePerInstance = false;

    for (int i = 1; i < argc; i++) {
        std::string arg = std::string(argv[i]);
        if (arg == "--coverage-per-instance") {
#if VM_COVERAGE
            coveragePerInstance = true;
#else
            fprintf(stderr,
                    "Error: --coverage-per-instance requires the design to be "
                    "built with coverage support\n");
            return -1;
#endif
        } else if (arg == "--trace") {
#if VM_TRACE
            traceOn = true;
#else
            fprintf(stderr,
                    "Error: --trace requires the design to be built with trace "
                    "support\n");
            return -1;
#endif
        } else if (arg == "--trace-flush") {
            traceFlush = true;
        } else if (arg == "--trace-file") {
            if (++i < argc) {
                traceFile = argv[i];
            } else {
                fprintf(stderr, "Error: --trace-file requires a parameter\n");
                return -1;
            }
        } else if (arg == "--help") {
            fprintf(
                stderr,
                "usage: %s [--coverage-per-instance] [--trace] [--trace-flush] "
                "[--trace-file TRACEFILE]\n"
                "\n"
                "cocotb + Verilator sim\n"
                "\n"
                "options:\n"
                "  --coverage-per-instance  Force per-instance coverage "
                "(requires coverage build)\n"
                "  --trace                  Enable tracing (VCD, SAIF or FST)\n"
                "  --trace-flush            Flush trace at each time step "
                "(slow)\n"
                "  --trace-file             Specify the trace file name (%s by "
                "default)\n",
                basename(argv[0]), traceFile);
            return 0;
        }
    }

    Verilated::commandArgs(argc, argv);
#if VM_COVERAGE
    coverage_per_instance = coveragePerInstance;
#endif
#ifdef VERILATOR_SIM_DEBUG
    Verilated::debug(99);
#endif
    std::unique_ptr<Vtop> top(new Vtop(""));
    model = top.get();
    Verilated::fatalOnVpiError(false);  // otherwise it will fail on systemtf

#ifdef VERILATOR_SIM_DEBUG
    Verilated::internalsDump();
#endif

#if VM_TRACE
    Verilated::traceEverOn(true);
    if (traceOn) {
        tfp = new verilated_trace_t;
        top->trace(tfp, 99);
        tfp->open(traceFile);
    }
#endif

    vlog_startup_routines_bootstrap();
    Verilated::addExitCb([](void *) { wrap_up(); }, nullptr);
    VerilatedVpi::callCbs(cbStartOfSimulation);
    settle_value_callbacks();

    top->clk = 0;
    vluint64_t next_edge = PYDMA_CLK_HALF_PS;
    bool fell = false;  // the clock has just fallen; nothing is evaluated for that alone
    while (!Verilated::gotFinish()) {
        do {
            // We must evaluate whole design until we process all 'events' for
            // this time step
            do {
                if (fell) {
                    fell = false;
                    VerilatedVpi::doInertialPuts();  // writes the edge's callbacks queued
                    // nothing changed but the clock: only record that the model has seen
                    // it low (see record_clk_low); evaluated when Python looks
                    if (!VerilatedVpi::evalNeeded() && record_clk_low(top->rootp)) {
                        fall_unevaluated = true;
                        break;
                    }
                }
                fall_unevaluated = false;
                top->eval_step();
                VerilatedVpi::clearEvalNeeded();
                VerilatedVpi::doInertialPuts();
                settle_value_callbacks();
            } while (VerilatedVpi::evalNeeded());

            // Run ReadWrite callback as we are done processing this eval step
            const bool rw_called = VerilatedVpi::hasCbs(cbReadWriteSynch)
                                   && VerilatedVpi::callCbs(cbReadWriteSynch);
            VerilatedVpi::doInertialPuts();
            if (rw_called) settle_value_callbacks();
        } while (VerilatedVpi::evalNeeded());

        top->eval_end_step();

        // Call ReadOnly callbacks
        if (VerilatedVpi::hasCbs(cbReadOnlySynch)) VerilatedVpi::callCbs(cbReadOnlySynch);

#if VM_TRACE
        if (tfp) {
            tfp->dump(main_time);
            if (traceFlush) {
                tfp->flush();
            }
        }
#endif
        // skip ahead to the next clock edge or registered timed callback, whichever is
        // first (the clock never stops: the simulation ends when cocotb finishes it)
        vluint64_t next_time_cocotb = VerilatedVpi::cbNextDeadline();
        vluint64_t next_time = std::min(next_time_cocotb, next_edge);
        main_time = next_time;
        // a timed callback is due now only if the earliest deadline is now (taken before
        // the callbacks below, whose first act is to move due timed callbacks aside)
        const bool timers_due = next_time_cocotb <= next_time;

        // Call registered NextSimTime
        // It should be called in simulation cycle before everything else
        // but not on first cycle
        if (VerilatedVpi::callCbs(cbNextSimTime)) settle_value_callbacks();

        // Call registered timed callbacks (e.g. clock timer)
        // These are called at the beginning of the time step
        // before the iterative regions (IEEE 1800-2012 4.4.1)
        // (when none is due, nothing runs and nothing changes)
        if (timers_due) {
            VerilatedVpi::callTimedCbs();
            settle_value_callbacks();
        }

        // the clock edge, if due, after what cocotb scheduled for this time step (an HDL
        // clock changes in the active region too); its callbacks (RisingEdge(clk)) run
        // before the model evaluates it, at the top of the loop
        if (next_edge == main_time) {
            top->clk = !top->clk;
            next_edge += PYDMA_CLK_HALF_PS;
            const bool watched = clock_watched();
            if (watched) settle_value_callbacks();
            // a watched clock may have copies in the model whose fall must show
            fell = !top->clk && !watched && !VerilatedVpi::evalNeeded();
#if VM_TRACE
            fell = fell && !tfp;  // the waves show what an evaluation records
#endif
        }
    }

    top->final();

    wrap_up();

#if VM_TRACE
    if (tfp) {
        delete tfp;
        tfp = nullptr;
    }
#endif

    // Fail the sim if any assertion/error fired during the run.
    if (Verilated::threadContextp()->errorCount() > 0) {
        return 1;
    }

    return 0;
}
