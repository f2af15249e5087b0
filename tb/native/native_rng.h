// The native models' random numbers (native_mem.cpp: pauses and jitter; the peripheral
// models: pacing): xorshift64*, reproducible from a seed Python draws from the test's rng.
#pragma once

#include <cstdint>

struct NativeRng {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
    // uniform in 0 .. hi (0 when hi <= 0)
    int upto(int hi) { return hi <= 0 ? 0 : static_cast<int>(next() % (static_cast<uint64_t>(hi) + 1)); }
};
