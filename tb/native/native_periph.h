// What the native peripheral models share (native_periph.cpp: the FIFOs and the request
// handshakes; native_video.cpp: the display and the camera built on them).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "native_rng.h"

namespace pnp {

using Rng = NativeRng;  // (native_rng.h)

enum { PACE_FIXED = 0, PACE_RANDOM = 1, PACE_MANUAL = 2 };
enum { KIND_NONE = -1, KIND_BURST = 0, KIND_SINGLE = 1 };
enum { EV_ERROR = 0, EV_PACKET = 1, EV_SERVED = 2, EV_DONE = 3, EV_SOURCE_LOW = 4 };

struct Req {
    int kind;
    bool last;
};

struct Handshake {
    int line, kind, last, tc;
    uint64_t time_ns;
};

struct Dev;

// A model built on a transmit or receive device (native_video.cpp's display and camera)
// replaces parts of the device's behaviour through these hooks; a null hook keeps the
// device's own, and so does a tick or write that returns false. native_periph.cpp calls
// them and knows nothing of the models.
struct Model {
    int (*pace)(Dev& d) = nullptr;                        // elements its side moves this cycle
    bool (*tick)(int id, int n) = nullptr;                // true: it did the cycle's work
    bool (*source)(const Dev& d, uint64_t& v) = nullptr;  // receive: the next element (false: none yet)
    bool (*write)(int id, uint64_t v) = nullptr;          // transmit: an element written; true: taken
};

// The video models' state (native_video.cpp): a Display on a transmit device, a Camera on a
// receive one.
struct Video {
    // display
    uint64_t frame_bytes = 0;
    std::unordered_map<std::string, int> frames;  // a queued buffer's bytes -> its position
    std::vector<int> shown;                        // the position of each frame scanned out
    std::string partial;                           // the frame being received
    bool scanning = true;
    // camera
    int w = 0, h = 0, hblank = 0, vblank = 0, every = 1;
    uint64_t cycle = 0;  // within the frame period (pacing)
    bool running = false;
};

struct Dev {
    std::string name;
    bool tx = true, pipelined = false, stopped = false;
    int line = 0, width = 1, maxburst = 1, depth = 1, bus_bytes = 8;
    uint64_t base = 0, size = 64, reg_offset = 0;
    // pacing
    int pace = PACE_FIXED, every = 1, phase = 0, max_burst = 16, max_gap = 40;
    int gap_left = 0, burst_left = 0;
    bool random_fresh = true;
    Rng rng;
    // state
    std::deque<uint64_t> fifo;
    std::deque<Req> manual;
    Req requesting{KIND_NONE, false};
    bool ack_seen = false;
    int reserved = 0;
    uint64_t transfers = 0;
    std::vector<std::string> errors;
    uint64_t error_count = 0;
    // transmit
    std::deque<uint64_t> expected;
    std::vector<uint64_t> received;
    bool started = false, underflow_is_error = false, gaps_ok = false;
    uint64_t underflows = 0;
    // receive
    uint64_t produced = 0, read_count = 0, overruns = 0, quiet = 0;
    int64_t limit = -1;  // stop producing after this many elements (-1: never)
    std::deque<int64_t> packets;
    int64_t packet_left = -1;  // elements of the current packet not yet requested (-1: none)
    bool own_source = true;    // element(i); else elements Python hands over (src)
    std::deque<uint64_t> src;
    bool src_end = false, src_low_sent = false;
    uint64_t src_low = 0;
    // the controller's side of the line, for the protocol checks
    bool was_req = false, was_ack = false, was_tc = false;
    const Model* model = nullptr;  // a model built on the device (hooks), or none
    Video video;                   // the display's or the camera's state (native_video.cpp)
};

extern std::vector<Dev> g_devs;

void event(int dev, int kind);
void error(int id, const std::string& text);
void moved(int id, const char* what, uint64_t n);  // an element on the bus (pipelined accounting)

}  // namespace pnp
