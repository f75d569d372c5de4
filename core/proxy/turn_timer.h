#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace meshx::proxy {

// The times of one turn of a request/answer conversation relayed by a BytePump: a burst of
// bytes from the connecting side (downstream, direction 0) and the burst that comes back
// (direction 1). MeshxRpc carries one request at a time per connection, so on its connections a
// turn is one request: turn 1 is the handshake, request N on the connection is turn N + 1.
//
//   downstream ──request──▶ [sidecar] ──request──▶ upstream
//              requestRead ┘          └ requestWritten
//   downstream ◀──answer─── [sidecar] ◀──answer─── upstream
//           answerWritten ┘          └ answerRead
//
// A time point is zero (time_since_epoch() == 0) when the sidecar did not see that moment (the
// connection ended before the answer came back, or before the request was written).
struct TurnTimes {
    using Clock = std::chrono::steady_clock;

    uint64_t turn = 0;
    Clock::time_point requestRead{};     // first byte of the request read from downstream
    Clock::time_point requestWritten{};  // the request's last byte written upstream
    Clock::time_point answerRead{};      // first byte of the answer read from upstream
    Clock::time_point answerWritten{};   // the answer's last byte written downstream
    uint64_t requestBytes = 0, answerBytes = 0;
};

// Where a TurnTimer hands its turns. Loop thread.
class TurnSink {
  public:
    virtual ~TurnSink() = default;
    // Loop thread. Asked when a turn starts: should it be timed? (A sidecar times only while
    // somebody subscribes to its telemetry bus; an untimed turn is still counted, so turn
    // numbers stay right for a subscriber that arrives later.)
    virtual bool wantTurnTimes() = 0;
    // Loop thread. A timed turn ended: the next request started, or the pump ended.
    virtual void onTurn(const TurnTimes& turn) = 0;
};

// Times the turns of one BytePump without parsing a byte: it sees only which direction moved
// bytes. The pump calls read() once per pass that read bytes, written() when a direction's bytes
// read so far are all written, and endPass() after each direction's pass. Cost: a compare per
// pass; on a direction change one clock read (and one atomic load in the sink); one more clock
// read at the end of a pass that completed a write of a timed turn. Nothing is allocated.
//
// Bytes from upstream before the first request (a server that speaks first) belong to no turn.
// Pipelined protocols (several requests in flight) and one-way messages (a cast without an ack)
// make turns that are not requests: the timing is opt-in per sidecar / upstream.
class TurnTimer {
  public:
    using Clock = TurnTimes::Clock;

    // Loop thread. `sink` outlives the timer.
    explicit TurnTimer(TurnSink& sink) : sink_(&sink) {}

    // Loop thread. `n` (> 0) bytes were read in `direction` (0: downstream -> upstream).
    void read(int direction, size_t n) {
        if (direction == last_) {
            (direction == 0 ? current_.requestBytes : current_.answerBytes) += n;
            return;
        }
        changeDirection(direction, n);
    }
    // Loop thread. Every byte read in `direction` so far has been written on.
    void written(int direction) {
        if (timed_) {
            stampPending_ |= direction == 0 ? 1u : 2u;
        }
    }
    // Loop thread. Takes the clock once if this pass completed a write of the timed turn.
    void endPass() {
        if (stampPending_ != 0) {
            stamp();
        }
    }
    // Loop thread. The pump ended: hands over the turn in progress when it was timed.
    void finish();

    // Turns started so far (timed or not).
    uint64_t turns() const { return current_.turn; }

  private:
    void changeDirection(int direction, size_t n);
    void stamp();

    TurnSink* sink_;
    TurnTimes current_;
    int last_ = -1;  // direction of the last bytes read; -1 before any
    bool timed_ = false;
    unsigned stampPending_ = 0;  // bit 0: request written, bit 1: answer written
};

}  // namespace meshx::proxy
