#include "proxy/turn_timer.h"

namespace meshx::proxy {

void TurnTimer::changeDirection(int direction, size_t n) {
    last_ = direction;
    if (direction == 0) {
        // A new request: the turn before it is complete (its answer was all read).
        if (timed_) {
            sink_->onTurn(current_);
        }
        timed_ = sink_->wantTurnTimes();
        if (timed_) {
            // Only a timed turn needs its time points cleared (an untimed one is never handed
            // over), so counting turns with nobody listening stays a few stores.
            const uint64_t next = current_.turn;
            current_ = TurnTimes{};
            current_.turn = next;
            current_.requestRead = Clock::now();
        }
        ++current_.turn;
        current_.requestBytes = n;
        current_.answerBytes = 0;
        stampPending_ = 0;
        return;
    }
    current_.answerBytes += n;
    if (timed_) {
        current_.answerRead = Clock::now();
    }
}

void TurnTimer::stamp() {
    const Clock::time_point now = Clock::now();
    if ((stampPending_ & 1u) != 0) {
        current_.requestWritten = now;
    }
    if ((stampPending_ & 2u) != 0) {
        current_.answerWritten = now;
    }
    stampPending_ = 0;
}

void TurnTimer::finish() {
    if (!timed_) {
        return;
    }
    endPass();
    timed_ = false;
    sink_->onTurn(current_);
}

}  // namespace meshx::proxy
