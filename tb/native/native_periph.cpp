// The native peripheral models: transmit and receive FIFOs on the controller's request
// lines, with the behaviour of tb/peripherals.py's TxDevice and RxDevice (FIFO depth,
// element width, maxburst, the data register, burst/single/last requests in the four-phase
// or the pipelined handshake, fixed/random/manual pacing, peripheral-ended packets,
// element-by-element checking, overflow and underflow), in C++ next to the native memory.
//
// - native_periph.sv calls pnp_tick() once per clock (only while some line is native): it
//   samples ACK and TC as they were before the edge, moves each device's own side (pacing)
//   and returns the request lines to drive after the edge, as the Python models do from
//   their RisingEdge coroutine.
// - The data register is served by the native memory's DPI access path (native_mem.cpp:
//   pnm_burst, pnm_read, pnm_write ask pnp_owns / pnp_read / pnp_write first).
// - Python (tb/native/peripherals.py, through ctypes) creates and configures the devices,
//   reads their state when a test asks, and learns of events only: an error (a check
//   failed), a packet ended, a manual request served, a device done (every expected element
//   received, or the receive limit read), its source running low. pnp_tick's return value
//   says an event is queued; the SystemVerilog toggles an output Python waits on.
#include "native_periph.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "svdpi.h"

namespace pnp {

std::vector<Dev> g_devs;
// (static: only this file's; what native_video.cpp uses is in native_periph.h)
static std::vector<std::pair<int, int>> g_events;  // (device, kind)
static std::vector<Handshake> g_handshakes;
static std::vector<std::pair<int, uint64_t>> g_tc_pulses;  // pipelined lines: (line, time in ns)
static std::vector<std::string> g_protocol;
static uint64_t g_period_ns = 10;

static uint64_t element(uint64_t index, int width) {
    uint64_t v = 0;
    for (int b = 0; b < width; ++b)
        v |= static_cast<uint64_t>(((index * 7 + 13 + static_cast<uint64_t>(b) * 61) ^ (index >> 8)) & 0xFF) << (8 * b);
    return v;
}

static std::string hex(uint64_t v, int width) {
    std::string s;
    char buf[3];
    for (int b = 0; b < width; ++b) {
        std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(v >> (8 * b) & 0xFF));
        s += buf;
    }
    return s;
}

void event(int dev, int kind) { g_events.emplace_back(dev, kind); }

constexpr size_t MAX_ERRORS = 1000;  // kept per device, and as many events; the rest counted

void error(int id, const std::string& text) {
    Dev& d = g_devs[id];
    ++d.error_count;
    if (d.errors.size() >= MAX_ERRORS) return;
    d.errors.push_back(d.name + ": " + text);
    event(id, EV_ERROR);
}

// elements the device's own side moves this cycle
static int pace_step(Dev& d) {
    if (d.model && d.model->pace) return d.model->pace(d);
    if (d.pace == PACE_FIXED) {
        if (++d.phase < d.every) return 0;
        d.phase = 0;
        return 1;
    }
    // random: bursts of 1..max_burst elements after gaps of 0..max_gap cycles
    for (;;) {
        if (d.random_fresh) {
            d.gap_left = d.rng.upto(d.max_gap);
            d.burst_left = 1 + d.rng.upto(d.max_burst - 1);
            d.random_fresh = false;
        }
        if (d.gap_left > 0) {
            --d.gap_left;
            return 0;
        }
        if (d.burst_left > 0) {
            if (--d.burst_left == 0) d.random_fresh = true;
            return 1;
        }
        d.random_fresh = true;
    }
}

static bool next_source(int id, uint64_t& v) {
    Dev& d = g_devs[id];
    if (d.model && d.model->source) return d.model->source(d, v);
    if (d.own_source) {
        v = element(d.produced, d.width);
        return true;
    }
    if (d.src.empty()) return false;
    v = d.src.front();
    d.src.pop_front();
    if (!d.src_end && !d.src_low_sent && d.src.size() < d.src_low) {
        d.src_low_sent = true;
        event(id, EV_SOURCE_LOW);
    }
    return true;
}

static void tick_tx(int id, int n) {
    Dev& d = g_devs[id];
    if (d.model && d.model->tick && d.model->tick(id, n)) return;
    for (int i = 0; i < n; ++i) {
        if (!d.fifo.empty()) {
            d.fifo.pop_front();
        } else if (d.started && !d.expected.empty()) {
            ++d.underflows;
            if (d.underflow_is_error)
                error(id, "underflow: consumer starved after " + std::to_string(d.received.size()) + " elements");
        }
    }
}

static void tick_rx(int id, int n) {
    Dev& d = g_devs[id];
    if (d.model && d.model->tick && d.model->tick(id, n)) return;
    ++d.quiet;
    for (int i = 0; i < n; ++i) {
        if (d.limit >= 0 && d.produced >= static_cast<uint64_t>(d.limit)) return;
        if (static_cast<int>(d.fifo.size()) >= d.depth) {
            ++d.overruns;  // a real UART would drop it: we just wait
            return;
        }
        uint64_t v;
        if (!next_source(id, v)) return;  // Python's source has not caught up (or ended)
        d.fifo.push_back(v);
        ++d.produced;
        d.quiet = 0;
    }
}

static Req want_tx(const Dev& d) {
    int room = d.depth - static_cast<int>(d.fifo.size()) - d.reserved;
    if (room >= d.maxburst) return {KIND_BURST, false};
    if (room >= 1 && (!d.pipelined || static_cast<int>(d.fifo.size()) + d.reserved < d.maxburst))
        return {KIND_SINGLE, false};
    return {KIND_NONE, false};
}

static Req want_rx(Dev& d) {
    int level = static_cast<int>(d.fifo.size()) - d.reserved;
    if (d.packet_left < 0 && !d.packets.empty()) {
        d.packet_left = d.packets.front();
        d.packets.pop_front();
    }
    int64_t left = d.packet_left;
    if (left < 0) {  // streaming, no packets
        if (level >= d.maxburst) return {KIND_BURST, false};
        bool trickle = !d.pipelined || (d.reserved == 0 && d.quiet >= static_cast<uint64_t>(d.maxburst));
        return (level >= 1 && trickle) ? Req{KIND_SINGLE, false} : Req{KIND_NONE, false};
    }
    if (left >= d.maxburst && level >= d.maxburst) {
        d.packet_left = left - d.maxburst ? left - d.maxburst : -1;
        return {KIND_BURST, left == d.maxburst};
    }
    if (left < d.maxburst && level >= 1) {
        d.packet_left = left - 1 ? left - 1 : -1;
        return {KIND_SINGLE, left == 1};
    }
    return {KIND_NONE, false};
}

static Req next_request(int id) {
    Dev& d = g_devs[id];
    if (!d.manual.empty()) {
        Req r = d.manual.front();
        d.manual.pop_front();
        return r;
    }
    if (d.pace == PACE_MANUAL) return {KIND_NONE, false};
    return d.tx ? want_tx(d) : want_rx(d);
}

// One element moved on the bus: with the pipelined handshake it must belong to an accepted
// request.
void moved(int id, const char* what, uint64_t n) {
    Dev& d = g_devs[id];
    if (!d.pipelined) return;
    if (d.reserved == 0)
        error(id, std::string(what) + " " + std::to_string(n) + " moved without an accepted request for it");
    else
        --d.reserved;
}

static void served(int id, const Req& r, bool tc, uint64_t time_ns) {
    Dev& d = g_devs[id];
    g_handshakes.push_back({d.line, r.kind, r.last ? 1 : 0, tc ? 1 : 0, time_ns});
    if (r.last) event(id, EV_PACKET);
    if (d.pace == PACE_MANUAL) event(id, EV_SERVED);
}

// The controller's side of a native line, as tb/request_lines.py's RequestMonitor checks it
// on the Python-owned ones. req: the request held during the cycle that ends at this edge.
static void protocol_error(const Dev& d, uint64_t t, const char* what) {
    g_protocol.push_back("line " + std::to_string(d.line) + " at " + std::to_string(t) + " ns: " + what);
}

static void check_line(int id, bool req, bool ack, bool tc, uint64_t now) {
    Dev& d = g_devs[id];
    uint64_t t = now - g_period_ns;  // the values changed just after the previous edge
    if (d.pipelined) {
        if (tc && !d.was_tc) g_tc_pulses.emplace_back(d.line, t);
        if (tc && d.was_tc) protocol_error(d, t, "TC held longer than one cycle");
    } else {
        if (tc && !ack) protocol_error(d, t, "TC without ACK");
        if (ack && !d.was_ack && !req) protocol_error(d, t, "ACK without a request");
        if (d.was_ack && !ack && d.was_req) protocol_error(d, t, "ACK dropped while the request was up");
    }
    d.was_req = req;
    d.was_ack = ack;
    d.was_tc = tc;
}

static void drive(const Dev& d, uint32_t& breq, uint32_t& sreq, uint32_t& lreq) {
    if (d.requesting.kind == KIND_NONE) return;
    uint32_t bit = 1u << d.line;
    if (d.requesting.kind == KIND_BURST) breq |= bit;
    if (d.requesting.kind == KIND_SINGLE) sreq |= bit;
    if (d.requesting.last) lreq |= bit;
}

static int find(uint64_t addr) {
    for (size_t i = g_devs.size(); i-- > 0;)  // the newest first: a later test's device
        if (!g_devs[i].stopped && addr >= g_devs[i].base && addr - g_devs[i].base < g_devs[i].size)
            return static_cast<int>(i);
    return -1;
}

}  // namespace pnp

using namespace pnp;

extern "C" {

// ---- Python side (ctypes) ---------------------------------------------------------------

void pnp_reset_all(uint64_t period_ns) {  // a new test: no devices, nothing logged
    g_devs.clear();
    g_events.clear();
    g_handshakes.clear();
    g_tc_pulses.clear();
    g_protocol.clear();
    g_period_ns = period_ns ? period_ns : 10;
}

int pnp_add(const char* name, int tx, int line, int width, int maxburst, int depth, int bus_bytes, uint64_t base,
            uint64_t size, uint64_t reg_offset, int pipelined) {
    if (line < 0 || line >= 32 || width < 1 || width > 8) return -1;
    Dev d;
    d.name = name;
    d.tx = tx != 0;
    d.line = line;
    d.width = width;
    d.maxburst = maxburst;
    d.depth = depth;
    d.bus_bytes = bus_bytes;
    d.base = base;
    d.size = size;
    d.reg_offset = reg_offset;
    d.pipelined = pipelined != 0;
    // a device replacing an older one on its line takes its place
    for (Dev& o : g_devs)
        if (o.line == line) o.stopped = true;
    g_devs.push_back(d);
    return static_cast<int>(g_devs.size()) - 1;
}

void pnp_pacing(int id, int mode, int every, int max_burst, int max_gap, uint64_t seed) {
    Dev& d = g_devs.at(id);
    d.pace = mode;
    d.every = every < 1 ? 1 : every;
    d.phase = 0;
    d.max_burst = max_burst < 1 ? 1 : max_burst;
    d.max_gap = max_gap < 0 ? 0 : max_gap;
    d.rng.s = seed ? seed : 0x9E3779B97F4A7C15ull;
    d.random_fresh = true;
}

void pnp_options(int id, int underflow_is_error, int gaps_ok) {
    Dev& d = g_devs.at(id);
    if (underflow_is_error >= 0) d.underflow_is_error = underflow_is_error != 0;
    if (gaps_ok >= 0) d.gaps_ok = gaps_ok != 0;
}

void pnp_set_limit(int id, int64_t limit) { g_devs.at(id).limit = limit; }

void pnp_expect(int id, const uint8_t* data, uint64_t n) {  // n whole elements
    Dev& d = g_devs.at(id);
    for (uint64_t i = 0; i < n; ++i) {
        uint64_t v = 0;
        std::memcpy(&v, data + i * d.width, static_cast<size_t>(d.width));
        d.expected.push_back(v);
    }
}

// Elements from Python's source (an RxDevice's `source`): `end` says it has no more.
void pnp_source(int id, const uint8_t* data, uint64_t n, int end, uint64_t low) {
    Dev& d = g_devs.at(id);
    d.own_source = false;
    for (uint64_t i = 0; i < n; ++i) {
        uint64_t v = 0;
        std::memcpy(&v, data + i * d.width, static_cast<size_t>(d.width));
        d.src.push_back(v);
    }
    d.src_end = end != 0;
    d.src_low = low;
    d.src_low_sent = false;
}

void pnp_packets(int id, const int64_t* lengths, int n) {
    for (int i = 0; i < n; ++i) g_devs.at(id).packets.push_back(lengths[i]);
}

void pnp_request(int id, int kind, int last) { g_devs.at(id).manual.push_back({kind, last != 0}); }

void pnp_stop(int id) {
    Dev& d = g_devs.at(id);
    d.requesting = {KIND_NONE, false};
    d.stopped = true;
}

// Counters: 0 transfers, 1 received, 2 expected, 3 fifo, 4 underflows, 5 produced,
// 6 read_count, 7 overruns, 8 started, 9 requesting kind (-1 none), 10 requesting last,
// 11 errors, 12 reserved, 13 quiet, 14 limit, 15 packets queued, 16 manual queued,
// 17 packet_left, 18 source elements queued, 19 errors found (kept or not)
int64_t pnp_stat(int id, int which) {
    const Dev& d = g_devs.at(id);
    switch (which) {
        case 0: return static_cast<int64_t>(d.transfers);
        case 1: return static_cast<int64_t>(d.received.size());
        case 2: return static_cast<int64_t>(d.expected.size());
        case 3: return static_cast<int64_t>(d.fifo.size());
        case 4: return static_cast<int64_t>(d.underflows);
        case 5: return static_cast<int64_t>(d.produced);
        case 6: return static_cast<int64_t>(d.read_count);
        case 7: return static_cast<int64_t>(d.overruns);
        case 8: return d.started;
        case 9: return d.requesting.kind;
        case 10: return d.requesting.last;
        case 11: return static_cast<int64_t>(d.errors.size());
        case 12: return d.reserved;
        case 13: return static_cast<int64_t>(d.quiet);
        case 14: return d.limit;
        case 15: return static_cast<int64_t>(d.packets.size());
        case 16: return static_cast<int64_t>(d.manual.size());
        case 17: return d.packet_left;
        case 18: return static_cast<int64_t>(d.src.size());
        case 19: return static_cast<int64_t>(d.error_count);
        default: return -1;
    }
}

// Copy elements of a list (0 received, 1 expected, 2 fifo) from `first`, up to `max`, as
// `width` bytes each; returns how many.
int64_t pnp_elements(int id, int which, uint64_t first, uint64_t max, uint8_t* out) {
    const Dev& d = g_devs.at(id);
    uint64_t n = 0;
    auto copy = [&](const auto& seq) {
        for (uint64_t i = first; i < seq.size() && n < max; ++i, ++n)
            std::memcpy(out + n * d.width, &seq[i], static_cast<size_t>(d.width));
    };
    if (which == 0) copy(d.received);
    else if (which == 1) copy(d.expected);
    else copy(d.fifo);
    return static_cast<int64_t>(n);
}

// Empty a list (0 received, 1 expected, 2 fifo).
void pnp_clear(int id, int which) {
    Dev& d = g_devs.at(id);
    if (which == 0) d.received.clear();
    else if (which == 1) d.expected.clear();
    else d.fifo.clear();
}

// Error `i` of device `id` into buf (NUL-terminated, cut at cap); its full length.
int pnp_error(int id, int i, char* buf, int cap) {
    const std::string& s = g_devs.at(id).errors.at(i);
    std::snprintf(buf, static_cast<size_t>(cap), "%s", s.c_str());
    return static_cast<int>(s.size());
}

int pnp_protocol_count() { return static_cast<int>(g_protocol.size()); }

int pnp_protocol_error(int i, char* buf, int cap) {
    const std::string& s = g_protocol.at(i);
    std::snprintf(buf, static_cast<size_t>(cap), "%s", s.c_str());
    return static_cast<int>(s.size());
}

// Move up to `max` queued events into the arrays; returns how many.
int pnp_events_take(int* dev, int* kind, int max) {
    int n = static_cast<int>(g_events.size()) < max ? static_cast<int>(g_events.size()) : max;
    for (int i = 0; i < n; ++i) {
        dev[i] = g_events[i].first;
        kind[i] = g_events[i].second;
    }
    g_events.erase(g_events.begin(), g_events.begin() + n);
    return n;
}

// Move up to `max` handshakes of native lines: line, kind, last, tc, time in ns.
int pnp_handshakes_take(int* line, int* kind, int* last, int* tc, uint64_t* time_ns, int max) {
    int n = static_cast<int>(g_handshakes.size()) < max ? static_cast<int>(g_handshakes.size()) : max;
    for (int i = 0; i < n; ++i) {
        const Handshake& h = g_handshakes[i];
        line[i] = h.line;
        kind[i] = h.kind;
        last[i] = h.last;
        tc[i] = h.tc;
        time_ns[i] = h.time_ns;
    }
    g_handshakes.erase(g_handshakes.begin(), g_handshakes.begin() + n);
    return n;
}

int pnp_tc_pulses_take(int* line, uint64_t* time_ns, int max) {
    int n = static_cast<int>(g_tc_pulses.size()) < max ? static_cast<int>(g_tc_pulses.size()) : max;
    for (int i = 0; i < n; ++i) {
        line[i] = g_tc_pulses[i].first;
        time_ns[i] = g_tc_pulses[i].second;
    }
    g_tc_pulses.erase(g_tc_pulses.begin(), g_tc_pulses.begin() + n);
    return n;
}

// ---- the native memory's access path (native_mem.cpp) --------------------------------------

// Whether a native device's registers are at `addr` (its bursts are served here).
int pnp_owns(uint64_t addr) { return find(addr) >= 0; }

// A read beat of the bus word of `nbytes` at `word`: 1 if a device answered (data filled).
int pnp_read(uint64_t word, int nbytes, uint8_t* data) {
    int id = find(word);
    if (id < 0) return 0;
    Dev& d = g_devs[id];
    std::memset(data, 0, static_cast<size_t>((nbytes + 3) / 4) * 4);
    uint64_t off = word - d.base;
    if (d.tx) {
        char b[96];
        std::snprintf(b, sizeof b, "read at +0x%llx: the transmit FIFO is write-only",
                      static_cast<unsigned long long>(off));
        error(id, b);
        return 1;
    }
    uint64_t lane = d.reg_offset % static_cast<uint64_t>(nbytes);
    if (off != d.reg_offset - lane) {
        char b[96];
        std::snprintf(b, sizeof b, "access at +0x%llx (%d bytes), not the data register",
                      static_cast<unsigned long long>(off), nbytes);
        error(id, b);
    }
    uint64_t v = 0;
    if (d.fifo.empty()) {
        error(id, "underflow: read " + std::to_string(d.read_count) + " of an empty FIFO");
    } else {
        v = d.fifo.front();
        d.fifo.pop_front();
    }
    moved(id, "read", d.read_count);
    ++d.read_count;
    ++d.transfers;
    std::memcpy(data + lane, &v, static_cast<size_t>(d.width));
    if (d.limit >= 0 && d.read_count == static_cast<uint64_t>(d.limit)) event(id, EV_DONE);
    return 1;
}

// A write beat to the bus word at `word` with strobes `strb`: 1 if a device took it.
int pnp_write(uint64_t word, int nbytes, const uint8_t* data, uint32_t strb) {
    int id = find(word);
    if (id < 0) return 0;
    Dev& d = g_devs[id];
    if (!strb) return 1;
    int first = __builtin_ctz(strb), last = 31 - __builtin_clz(strb);
    uint64_t off = word - d.base + static_cast<uint64_t>(first);
    int len = __builtin_popcount(strb);
    if (!d.tx) {
        char b[96];
        std::snprintf(b, sizeof b, "write at +0x%llx: the receive FIFO is read-only", static_cast<unsigned long long>(off));
        error(id, b);
        return 1;
    }
    if (off != d.reg_offset || len != d.width || last - first + 1 != len) {
        char b[128];
        std::snprintf(b, sizeof b, "write of %d bytes at +0x%llx; expected %d at the data register", len,
                      static_cast<unsigned long long>(off), d.width);
        error(id, b);
        return 1;
    }
    (void)nbytes;
    uint64_t v = 0;
    std::memcpy(&v, data + first, static_cast<size_t>(d.width));
    if (d.model && d.model->write && d.model->write(id, v)) return 1;
    uint64_t n = d.received.size();
    if (static_cast<int>(d.fifo.size()) >= d.depth)
        error(id, "overflow: element " + std::to_string(n) + " written to a full FIFO");
    if (d.expected.empty()) {
        error(id, "element " + std::to_string(n) + " = " + hex(v, d.width) + " not expected (more data than queued)");
    } else {
        uint64_t want = d.expected.front();
        d.expected.pop_front();
        if (v != want && d.gaps_ok && std::find(d.expected.begin(), d.expected.end(), v) != d.expected.end()) {
            while (want != v) {
                want = d.expected.front();
                d.expected.pop_front();
            }
        }
        if (v != want)
            error(id, "element " + std::to_string(n) + " = " + hex(v, d.width) + ", expected " + hex(want, d.width));
        if (d.expected.empty()) event(id, EV_DONE);
    }
    moved(id, "element", d.transfers);
    d.received.push_back(v);
    d.fifo.push_back(v);
    ++d.transfers;
    d.started = true;
    return 1;
}

// ---- SystemVerilog side (DPI): once per clock while some line is native -----------------

// ACK and TC as sampled at this edge (their values before it); the request lines to drive
// after it. Returns the number of events queued (Python is woken when it is not 0).
int pnp_tick(long long now_ns, int ack_v, int tc_v, int* breq_o, int* sreq_o, int* lreq_o) {
    uint32_t breq = 0, sreq = 0, lreq = 0;
    uint64_t now = static_cast<uint64_t>(now_ns);
    for (size_t i = 0; i < g_devs.size(); ++i) {
        int id = static_cast<int>(i);
        Dev& d = g_devs[i];
        if (d.stopped) continue;
        bool ack = ack_v >> d.line & 1, tc = tc_v >> d.line & 1;
        check_line(id, d.requesting.kind != KIND_NONE, ack, tc, now);
        if (d.pace != PACE_MANUAL) {
            int n = pace_step(d);
            if (d.tx) tick_tx(id, n);
            else tick_rx(id, n);
        }
        if (!d.pipelined) {
            // four-phase: hold the request until ACK, drop it, wait for ACK to drop
            if (d.requesting.kind == KIND_NONE) {
                if (!(d.ack_seen && ack)) {
                    d.ack_seen = false;
                    d.requesting = next_request(id);
                }
            } else if (ack) {
                served(id, d.requesting, tc, now - g_period_ns);
                d.requesting = {KIND_NONE, false};
                d.ack_seen = true;
            }
        } else {
            // pipelined: a held request with ACK high was accepted at this edge; a TC voids
            // what is left of accepted requests; the next request goes up at once
            if (d.requesting.kind != KIND_NONE && ack) {
                d.reserved += d.requesting.kind == KIND_BURST ? d.maxburst : 1;
                served(id, d.requesting, false, now);
                d.requesting = {KIND_NONE, false};
            }
            if (tc) d.reserved = 0;
            if (d.requesting.kind == KIND_NONE) d.requesting = next_request(id);
        }
        drive(d, breq, sreq, lreq);
    }
    *breq_o = static_cast<int>(breq);
    *sreq_o = static_cast<int>(sreq);
    *lreq_o = static_cast<int>(lreq);
    return static_cast<int>(g_events.size());
}

}  // extern "C"
