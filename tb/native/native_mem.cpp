// The native memory model's store: bytes, fault rules, stall and latency settings, and a
// log of the device's accesses, all in C++. The SystemVerilog slave (axi_native_mem.sv)
// reaches it through DPI once per burst and once per beat; Python (pydma/sim/
// native_memory.py) reaches the same objects through ctypes, in the same process, with a
// memoryview straight onto the bytes (no copies, no Python per beat).
//
// One store may sit behind several AXI slave ports (axi_native_mem's PORT parameter: the
// two-controller top has one per controller). Each port has its own burst counts, fault
// rules, pause generator and pass-through setting; its accesses are logged with its number.
#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "native_rng.h"
#include "svdpi.h"

namespace {

constexpr uint64_t LINE = 64;  // allocation granule: validity is tracked per line

struct Region {
    uint64_t base = 0, size = 0;
    uint8_t* data = nullptr;
    std::vector<uint8_t> valid;  // one flag per LINE bytes: allocated
};

constexpr int PORTS = 2;

struct Fault {
    int id, port, is_write, resp, once;
    uint64_t lo, hi;   // address range, when nth == 0
    uint64_t nth;      // burst number (1-based, absolute) of its direction, or 0
    uint64_t hits = 0;
};

struct FaultHit {
    int is_write, resp;
    uint64_t lo, hi;
};

struct Access {  // a run of bytes the device read or wrote
    uint64_t lo, hi;
    int is_write, port;
};

using Rng = NativeRng;  // (native_rng.h)

Region g_region;
std::vector<Fault> g_faults;
std::vector<FaultHit> g_fault_log;
std::vector<Access> g_log;
bool g_log_on = false;
bool g_external[PORTS] = {};  // a Python model answers the port's pass-through port
uint64_t g_bursts[PORTS][2] = {};
int g_latency[2] = {1, 1};  // read: AR to first R; write: last W to B
int g_jitter = 0;           // extra 0..jitter cycles per burst
uint32_t g_stall_thresh = 0;  // pause a channel when rng < thresh (of 2**32)
Rng g_rng[PORTS];           // per port: pauses and jitter

int port_of(int port) { return port > 0 && port < PORTS ? port : 0; }

bool in_region(uint64_t addr) { return addr >= g_region.base && addr - g_region.base < g_region.size; }

bool line_valid(uint64_t addr) {
    return in_region(addr) && g_region.valid[(addr - g_region.base) / LINE];
}

void log_access(uint64_t lo, uint64_t hi, int is_write, int port) {
    if (!g_log_on) return;
    // merge into one of the last few runs of this direction (a burst continues the last
    // one; descriptor fetches and data interleave)
    int seen = 0;
    for (size_t i = g_log.size(); i-- > 0 && seen < 4;) {
        Access& a = g_log[i];
        if (a.is_write != is_write || a.port != port) continue;
        ++seen;
        if (lo <= a.hi && hi >= a.lo) {
            if (lo < a.lo) a.lo = lo;
            if (hi > a.hi) a.hi = hi;
            return;
        }
    }
    g_log.push_back({lo, hi, is_write, port});
}

}  // namespace

// The native peripheral models' data registers (native_periph.cpp), served on this access
// path before anything is logged: a device's register is not memory the debug mode judges.
extern "C" int pnp_owns(uint64_t addr);
extern "C" int pnp_read(uint64_t word, int nbytes, uint8_t* data);
extern "C" int pnp_write(uint64_t word, int nbytes, const uint8_t* data, uint32_t strb);

extern "C" {

// ---- Python side (ctypes) ---------------------------------------------------------------

// Create the memory region (once); returns its bytes, zero-filled, lazily backed by the OS.
// A later call with the same size moves the region to bus address `base` (the same bytes:
// a test of the simulation may place memory elsewhere than the one before it).
void* pnm_region_create(uint64_t base, uint64_t size) {
    if (g_region.data) {
        if (g_region.size != size) return nullptr;
        g_region.base = base;
        return g_region.data;
    }
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    g_region.base = base;
    g_region.size = size;
    g_region.data = static_cast<uint8_t*>(p);
    g_region.valid.assign((size + LINE - 1) / LINE, 0);
    return p;
}

// Mark [addr, addr+size) allocated (1) or free (0); whole lines.
void pnm_mark(uint64_t addr, uint64_t size, int valid) {
    if (!g_region.data || size == 0) return;
    uint64_t first = (addr - g_region.base) / LINE, last = (addr + size - 1 - g_region.base) / LINE;
    for (uint64_t i = first; i <= last && i < g_region.valid.size(); ++i) g_region.valid[i] = valid ? 1 : 0;
}

void pnm_reset_all() {  // a new test: no faults, no log, default timing, nobody outside
    for (bool& e : g_external) e = false;
    g_faults.clear();
    g_fault_log.clear();
    g_log.clear();
    g_latency[0] = g_latency[1] = 1;
    g_jitter = 0;
    g_stall_thresh = 0;
}

// Whether port `port`'s bursts outside the region go to its pass-through port (1) or answer
// SLVERR here (0: nothing is attached there, as an unmapped address on a real interconnect).
void pnm_set_external(int port, int on) { g_external[port_of(port)] = on != 0; }

void pnm_set_timing(int read_latency, int write_latency, int jitter) {
    g_latency[0] = read_latency < 1 ? 1 : read_latency;
    g_latency[1] = write_latency < 1 ? 1 : write_latency;
    g_jitter = jitter < 0 ? 0 : jitter;
}

// The pause probability of every channel of every port; port p's generator is seeded with
// seed + p * (a constant), so port 0 draws what a one-port model draws.
void pnm_set_stalls(double probability, uint64_t seed) {
    if (probability < 0) probability = 0;
    if (probability > 1) probability = 1;
    g_stall_thresh = static_cast<uint32_t>(probability * 4294967295.0);
    for (int p = 0; p < PORTS; ++p) {
        uint64_t s = seed + static_cast<uint64_t>(p) * 0xD1B54A32D192ED03ull;
        g_rng[p].s = s ? s : 0x9E3779B97F4A7C15ull;
    }
}

void pnm_log_enable(int on) {
    g_log_on = on != 0;
    if (!g_log_on) g_log.clear();
}

// Move up to `max` logged accesses into the arrays; returns how many (the rest stay).
// is_write[i] carries the port too: bit 0 write, bits 1 and up the port.
int pnm_log_take(uint64_t* lo, uint64_t* hi, int* is_write, int max) {
    int n = static_cast<int>(g_log.size()) < max ? static_cast<int>(g_log.size()) : max;
    for (int i = 0; i < n; ++i) {
        lo[i] = g_log[i].lo;
        hi[i] = g_log[i].hi;
        is_write[i] = g_log[i].is_write | g_log[i].port << 1;
    }
    g_log.erase(g_log.begin(), g_log.begin() + n);
    return n;
}

uint64_t pnm_bursts(int port, int is_write) { return g_bursts[port_of(port)][is_write ? 1 : 0]; }

// A rule for port `port`'s bursts (addresses as the memory sees them: CPU addresses).
void pnm_fault_add(int id, int port, int is_write, int resp, uint64_t lo, uint64_t hi, uint64_t nth, int once) {
    int p = port_of(port), dir = is_write ? 1 : 0;
    Fault f{id, p, dir, resp, once, lo, hi, nth ? g_bursts[p][dir] + nth : 0};
    g_faults.push_back(f);
}

void pnm_fault_remove(int id) {
    for (size_t i = 0; i < g_faults.size(); ++i)
        if (g_faults[i].id == id) {
            g_faults.erase(g_faults.begin() + i);
            return;
        }
}

// Hits of fault `id`, or -1 when it is no longer armed (removed, or spent).
int64_t pnm_fault_hits(int id) {
    for (const Fault& f : g_faults)
        if (f.id == id) return static_cast<int64_t>(f.hits);
    return -1;
}

int pnm_fault_log_count() { return static_cast<int>(g_fault_log.size()); }

void pnm_fault_log_get(int i, int* is_write, int* resp, uint64_t* lo, uint64_t* hi) {
    const FaultHit& h = g_fault_log.at(i);
    *is_write = h.is_write;
    *resp = h.resp;
    *lo = h.lo;
    *hi = h.hi;
}

// ---- SystemVerilog side (DPI) -------------------------------------------------------------

// A burst was accepted on port `port`: count it, apply the fault rules, choose its latency.
// Returns resp[1:0] | external << 2 | latency << 8.
long long pnm_burst(int port, long long addr, int len, int size, int burst, int is_write) {
    int dir = is_write ? 1 : 0, p = port_of(port);
    uint64_t n = ++g_bursts[p][dir];
    uint64_t a = static_cast<uint64_t>(addr), sz = 1ull << size, beats = static_cast<uint64_t>(len) + 1;
    uint64_t lo = a, hi = a + (burst == 0 ? sz : beats * sz - (a % sz));
    int resp = 0;
    for (size_t i = 0; i < g_faults.size(); ++i) {
        Fault& f = g_faults[i];
        if (f.is_write != dir || f.port != p) continue;
        bool hit = f.nth ? f.nth == n : (lo < f.hi && f.lo < hi);
        if (!hit) continue;
        ++f.hits;
        resp = f.resp;
        g_fault_log.push_back({dir, resp, lo, hi});
        if (f.once || f.nth) g_faults.erase(g_faults.begin() + i);
        break;
    }
    long long external = in_region(a) || pnp_owns(a) ? 0 : 1;
    if (external && !g_external[p] && resp == 0) {
        resp = 2;
        // nothing answers there: the device touched an address outside memory (another
        // device's dma_addr_t, say); the debug mode is shown it, as the Python model shows it
        log_access(lo, hi, dir, p);
    }
    long long lat = g_latency[dir] + (g_jitter ? static_cast<int>(g_rng[p].next() % (g_jitter + 1)) : 0);
    return resp | (external << 2) | (lat << 8);
}

// Read the bus word of `nbytes` holding `addr`; 0 = OKAY, 2 = SLVERR (not allocated).
int pnm_read(int port, long long addr, int nbytes, svBitVecVal* data) {
    uint64_t word = static_cast<uint64_t>(addr) & ~static_cast<uint64_t>(nbytes - 1);
    if (!in_region(word) && pnp_read(word, nbytes, reinterpret_cast<uint8_t*>(data))) return 0;
    log_access(word, word + static_cast<uint64_t>(nbytes), 0, port_of(port));  // touched, valid or not
    if (!line_valid(word)) {
        std::memset(data, 0, static_cast<size_t>((nbytes + 3) / 4) * 4);
        return 2;
    }
    std::memcpy(data, g_region.data + (word - g_region.base), static_cast<size_t>(nbytes));
    return 0;
}

// Write the strobed lanes of the bus word holding `addr`; 0 = OKAY, 2 = SLVERR.
int pnm_write(int port, long long addr, int nbytes, const svBitVecVal* data, int strb) {
    uint64_t word = static_cast<uint64_t>(addr) & ~static_cast<uint64_t>(nbytes - 1);
    uint32_t s = static_cast<uint32_t>(strb);
    if (nbytes < 32) s &= (1u << nbytes) - 1;
    if (!in_region(word) && pnp_write(word, nbytes, reinterpret_cast<const uint8_t*>(data), s)) return 0;
    if (!s) return line_valid(word) ? 0 : 2;
    int first = __builtin_ctz(s), last = 31 - __builtin_clz(s);
    log_access(word + first, word + last + 1, 1, port_of(port));  // the strobed bytes, valid or not
    if (!line_valid(word)) return 2;
    const uint8_t* src = reinterpret_cast<const uint8_t*>(data);
    uint8_t* dst = g_region.data + (word - g_region.base);
    if (s == (nbytes < 32 ? (1u << nbytes) - 1 : 0xFFFFFFFFu)) {
        std::memcpy(dst, src, static_cast<size_t>(nbytes));
    } else {
        for (int i = first; i <= last; ++i)
            if (s >> i & 1u) dst[i] = src[i];
    }
    return 0;
}

// This cycle's pauses of port `port`, one draw per channel in order (AW, W, B, AR, R): bit c
// pauses channel c. One call a cycle for all five, as the call itself costs every cycle.
int pnm_stalls(int port) {
    if (!g_stall_thresh) return 0;
    Rng& rng = g_rng[port_of(port)];
    int mask = 0;
    for (int c = 0; c < 5; c++)
        if (static_cast<uint32_t>(rng.next() >> 32) < g_stall_thresh) mask |= 1 << c;
    return mask;
}

}  // extern "C"
