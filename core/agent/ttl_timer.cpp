#include "agent/ttl_timer.h"

namespace meshx::agent {

TtlTimer::TtlTimer(AgentState& state, const Clock& clock, AgentLog& log, QObject* parent)
    : QObject(parent), state_(state), clock_(clock), log_(log) {
    timer_.setSingleShot(true);
    timer_.setTimerType(Qt::PreciseTimer);
    connect(&timer_, &QTimer::timeout, this, &TtlTimer::fire);
}

void TtlTimer::rearm() {
    const auto next = state_.nextTtlDeadline();
    if (!next) {
        timer_.stop();
        return;
    }
    const auto ms =
        std::chrono::ceil<std::chrono::milliseconds>(*next - clock_.steadyNow()).count();
    timer_.start(static_cast<int>(std::clamp<long long>(ms, 0, 1LL << 30)));
}

void TtlTimer::fire() {
    for (const auto& id : state_.expireTtlChecks()) {
        log_.log(LogLevel::Warn, "agent", "Check missed TTL, is now critical", {{"check", id}});
    }
    rearm();
}

}  // namespace meshx::agent
