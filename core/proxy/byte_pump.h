#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "proxy/buffer_pool.h"
#include "proxy/event_loop.h"
#include "proxy/transport.h"
#include "proxy/turn_timer.h"

namespace meshx::proxy {

// Moves bytes both ways between two connected transports, on one loop thread.
//
//   side 0 (downstream) ──read──▶ [scratch ▶ pending block] ──write──▶ side 1 (upstream)
//   side 0              ◀──write── [pending block ◀ scratch] ◀──read── side 1
//
// Each read lands in the loop's shared scratch buffer and is written on at once; only bytes the
// destination cannot take yet are copied into a pooled block, and while a block is pending the
// source is not read (backpressure: a slow reader stalls the writer instead of growing memory).
// An end of stream on one side is forwarded as a write shutdown on the other once its pending
// bytes are out (TCP FIN, or TLS close_notify then FIN), and the other direction keeps flowing
// until it ends too: half-close works end to end.
//
// Readiness is remembered per side because fds are registered edge-triggered: a flag is set by
// an epoll event and cleared only when an operation reports it would block. TLS can need the
// opposite readiness (a read that must write a key update), so each pending operation records
// which flag it waits for.
//
// Turn timing (opt-in, timeTurns()): a TurnTimer is told which direction moved bytes and when a
// direction's bytes were all written, so a request/answer protocol's turns are timed without
// parsing a byte (turn_timer.h). Off, it costs one test of a null pointer per pass.
class BytePump {
  public:
    // Loop thread. Both transports must outlive the pump.
    BytePump(EventLoop& loop, Transport& downstream, Transport& upstream);
    ~BytePump();
    BytePump(const BytePump&) = delete;
    BytePump& operator=(const BytePump&) = delete;

    // Loop thread. Records epoll readiness of `side` (0 or 1) and moves what can move.
    void onEvents(int side, uint32_t events);
    // Loop thread. Records readiness seen before the pump existed (events are edge-triggered:
    // one that arrived while the session was still dialling will not come again).
    void noteEvents(int side, uint32_t events);
    // Loop thread. Moves what can move; call once when both sides are connected (bytes may
    // already sit in the kernel or in a TLS buffer from before the pump existed).
    void run();

    // Loop thread. Times the turns from now on and hands them to `sink` (which outlives the
    // pump). Call before the first run().
    void timeTurns(TurnSink& sink) { turns_ = std::make_unique<TurnTimer>(sink); }
    // Loop thread. Hands the turn in progress to the sink (the connection ends); idempotent.
    void finishTurns() {
        if (turns_) {
            turns_->finish();
        }
    }
    // Turns started so far (0 when turn timing is off).
    uint64_t turns() const { return turns_ ? turns_->turns() : 0; }

    // Both directions ended cleanly: every byte delivered and the ends forwarded.
    bool finished() const;
    // A transport failed; error() says which side and why.
    bool failed() const { return failed_; }
    // Which side's transport failed (0 or 1); -1 while none did.
    int failedSide() const { return failedSide_; }
    const std::string& error() const { return error_; }
    // The source of `direction` (0: downstream, 1: upstream) reached its end of stream.
    bool ended(int direction) const { return dirs_[direction].eof; }
    // Bytes delivered downstream -> upstream (0) and upstream -> downstream (1).
    uint64_t bytesDelivered(int direction) const { return dirs_[direction].delivered; }

  private:
    enum class Wait : uint8_t { Readable, Writable };
    struct Side {
        Transport* transport = nullptr;
        bool readable = true;
        bool writable = true;
        // The peer's FIN was reported (EPOLLRDHUP): a short read no longer proves the socket
        // is drained, since the end of stream is still to be read.
        bool peerClosed = false;
        Wait readWaits = Wait::Readable;
        Wait writeWaits = Wait::Writable;
        bool ready(Wait w) const { return w == Wait::Readable ? readable : writable; }
        void block(Wait w) { (w == Wait::Readable ? readable : writable) = false; }
    };
    struct Direction {
        int from = 0;
        int to = 1;
        BufferPool::Block block;
        size_t offset = 0;
        size_t length = 0;
        bool eof = false;
        bool shutdownDone = false;
        uint64_t delivered = 0;
    };

    void pump(Direction& d);
    // Writes [data, data+len) to `dst`; returns bytes written (stops when `dst` would block).
    size_t writeSome(Side& dst, const char* data, size_t len);
    void fail(int side, const std::string& what);

    EventLoop& loop_;
    Side sides_[2];
    Direction dirs_[2];
    bool failed_ = false;
    int failedSide_ = -1;
    std::string error_;
    std::unique_ptr<TurnTimer> turns_;  // null unless timeTurns()
};

}  // namespace meshx::proxy
