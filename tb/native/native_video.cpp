// The native video models, tb/video.py's Display and Camera in C++: the same behaviour and
// the same error texts, on native_periph.cpp's transmit and receive devices (their request
// handshakes and data register are those devices'; only the pacing, the element source and
// the checks differ).
//
// - Display (transmit): consumes an element every `every` cycles (fixed pacing) once its
//   FIFO has filled halfway (a line buffer's prefill); cuts what it receives into frames of
//   `frame_bytes`, each of which must be one of the buffers queued (no torn frame), in the
//   order queued (a buffer may repeat); a starved consumer is an underrun, an error.
// - Camera (receive): `w` pixels a line, one every `every` cycles, then `hblank` idle
//   cycles; `h` lines a frame, then `vblank`; pixel (frame, y, x) as tb/video.py's pixel().
//   A pixel that finds the FIFO full is lost: an overrun, an error.
#include <cstring>

#include "native_periph.h"

namespace pnp {
namespace {

int camera_step(Dev& d) {
    Video& v = d.video;
    if (!v.running) return 0;
    const uint64_t line = static_cast<uint64_t>(v.w) * static_cast<uint64_t>(v.every) + static_cast<uint64_t>(v.hblank);
    const uint64_t active = line * static_cast<uint64_t>(v.h);
    const uint64_t c = v.cycle;
    v.cycle = c + 1 == active + static_cast<uint64_t>(v.vblank) ? 0 : c + 1;
    if (c >= active) return 0;  // vertical blanking
    const uint64_t at = c % line;
    if (at >= static_cast<uint64_t>(v.w) * static_cast<uint64_t>(v.every)) return 0;  // horizontal blanking
    return at % static_cast<uint64_t>(v.every) == static_cast<uint64_t>(v.every - 1) ? 1 : 0;
}

bool camera_tick(int id, int n) {
    Dev& d = g_devs[id];
    if (!d.video.running || (d.limit >= 0 && d.produced >= static_cast<uint64_t>(d.limit))) {
        ++d.quiet;  // (a pipelined receiver's timeout then sends what is left)
        return true;
    }
    if (n && static_cast<int>(d.fifo.size()) >= d.depth) {
        ++d.overruns;
        error(id, "overrun: pixel " + std::to_string(d.produced) + " lost, the FIFO is full");
        ++d.produced;  // (the camera does not wait)
        return true;
    }
    return false;  // the receive device's own tick produces the pixel
}

// element i of the stream
uint64_t camera_pixel(const Dev& d, uint64_t i) {
    const Video& v = d.video;
    const uint64_t size = static_cast<uint64_t>(v.w) * static_cast<uint64_t>(v.h);
    const uint64_t frame = i / size, at = i % size;
    const uint64_t y = at / static_cast<uint64_t>(v.w), x = at % static_cast<uint64_t>(v.w);
    const uint64_t b0 = (x * 3 + frame * 29) & 0xFF, b1 = (y * 5 + frame * 7) & 0xFF;
    const uint64_t b2 = ((x >> 6) + (y >> 4) * 17 + frame) & 0xFF, b3 = 0x80 | (frame & 0x7F);
    return b0 | b1 << 8 | b2 << 16 | b3 << 24;
}

bool camera_source(const Dev& d, uint64_t& v) {
    v = camera_pixel(d, d.produced);
    return true;
}

bool display_tick(int id, int n) {  // (the transmit device's own consumer does not run)
    Dev& d = g_devs[id];
    if (!d.video.scanning) return true;
    for (int i = 0; i < n; ++i) {
        if (!d.fifo.empty()) {
            d.fifo.pop_front();
        } else if (d.started) {
            ++d.underflows;
            error(id, "underrun: the scanout starved after " + std::to_string(d.transfers) + " elements");
        }
    }
    return true;
}

bool display_write(int id, uint64_t value) {  // (the transmit device's checks do not run)
    Dev& d = g_devs[id];
    Video& v = d.video;
    if (static_cast<int>(d.fifo.size()) >= d.depth)
        error(id, "overflow: element " + std::to_string(d.transfers) + " written to a full FIFO");
    moved(id, "element", d.transfers);
    d.fifo.push_back(value);
    ++d.transfers;
    d.started = d.started || static_cast<int>(d.fifo.size()) >= d.depth / 2;  // prefilled: scanout starts
    char bytes[8];
    std::memcpy(bytes, &value, sizeof bytes);  // (little-endian: the element's bytes in order)
    v.partial.append(bytes, static_cast<size_t>(d.width));
    if (v.partial.size() < v.frame_bytes) return true;  // (frame_bytes: whole elements, tb/video.py checks)
    const int frame = static_cast<int>(v.shown.size());
    auto found = v.frames.find(v.partial);
    int at = -1;
    if (found == v.frames.end()) {
        error(id, "frame " + std::to_string(frame) + " is torn: not one of the queued buffers");
    } else {
        at = found->second;
        if (!v.shown.empty() && at < v.shown.back())
            error(id, "frame " + std::to_string(frame) + " shows buffer " + std::to_string(at) + " after buffer " +
                          std::to_string(v.shown.back()));
    }
    v.shown.push_back(at);
    v.partial.clear();
    return true;
}

// the hooks (native_periph.h's Model): pace, tick, source, write
const Model DISPLAY_MODEL{nullptr, display_tick, nullptr, display_write};
const Model CAMERA_MODEL{camera_step, camera_tick, camera_source, nullptr};

}  // namespace
}  // namespace pnp

using namespace pnp;

extern "C" {

// Make transmit device `id` a Display of frames of `frame_bytes` (its pacing: the pixel rate).
void pnp_display(int id, uint64_t frame_bytes) {
    Dev& d = g_devs.at(id);
    d.video = Video{};
    d.video.frame_bytes = frame_bytes;
    d.model = &DISPLAY_MODEL;
}

// A buffer the display may show next; its queue position, or -1 if it is not frame_bytes
// long or equal to one queued before.
int pnp_display_queue(int id, const uint8_t* data, uint64_t n) {
    Video& v = g_devs.at(id).video;
    std::string frame(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (n != v.frame_bytes || v.frames.count(frame)) return -1;
    const int at = static_cast<int>(v.frames.size());
    v.frames.emplace(std::move(frame), at);
    return at;
}

// The queue positions of the frames scanned out (-1: torn), up to `max`; how many in all.
int pnp_display_shown(int id, int* out, int max) {
    const Video& v = g_devs.at(id).video;
    for (size_t i = 0; i < v.shown.size() && static_cast<int>(i) < max; ++i) out[i] = v.shown[i];
    return static_cast<int>(v.shown.size());
}

void pnp_display_scan(int id, int on) { g_devs.at(id).video.scanning = on != 0; }

// Make receive device `id` a Camera (its pacing: the camera's timing, from start on).
void pnp_camera(int id, int w, int h, int hblank, int vblank, int every) {
    Dev& d = g_devs.at(id);
    d.video = Video{};
    d.video.w = w < 1 ? 1 : w;
    d.video.h = h < 1 ? 1 : h;
    d.video.hblank = hblank < 0 ? 0 : hblank;
    d.video.vblank = vblank < 0 ? 0 : vblank;
    d.video.every = every < 1 ? 1 : every;
    d.model = &CAMERA_MODEL;  // its pacing: the camera's timing (CAMERA_MODEL.pace) ...
    d.pace = PACE_FIXED;  // ... never the test's hand (PACE_MANUAL)
}

void pnp_camera_start(int id) {
    Video& v = g_devs.at(id).video;
    v.running = true;
    v.cycle = 0;
}

}  // extern "C"
