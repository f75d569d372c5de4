#include "telemetry/watch/edge_window.h"

#include <algorithm>

namespace meshx::telemetry {

namespace {

constexpr int64_t kSecondUs = 1'000'000;

int64_t secondOf(int64_t us) {
    // Floor, also before the epoch.
    return us >= 0 ? us / kSecondUs : -((-us + kSecondUs - 1) / kSecondUs);
}

size_t slotOf(int64_t second) {
    const auto n = static_cast<int64_t>(EdgeWindow::kSlots);
    return static_cast<size_t>(((second % n) + n) % n);
}

}  // namespace

void EdgeWindow::add(int64_t timeUs, int64_t reqUs, bool ok) {
    firstUs_ = std::min(firstUs_, timeUs);
    const int64_t second = secondOf(timeUs);
    Second& s = slots_[slotOf(second)];
    if (s.second > second)
        return;  // older than the ring: the slot holds a newer second
    if (s.second != second) {
        s.second = second;
        s.calls = s.errors = 0;
        s.times.clear();
        s.histogram = false;
    }
    ++s.calls;
    if (!ok)
        ++s.errors;
    if (!s.histogram && s.times.size() < kExactPerSecond) {
        s.times.push_back(reqUs);
        return;
    }
    if (!s.histogram) {
        if (!s.histo)
            s.histo = std::make_unique<LatencyHistogram>();
        s.histo->clear();
        for (const int64_t t : s.times)
            s.histo->add(t);
        s.times.clear();
        s.histogram = true;
    }
    s.histo->add(reqUs);
}

EdgeWindow::Stats EdgeWindow::stats(int64_t nowUs) const {
    Stats out;
    const int64_t nowSecond = secondOf(nowUs);
    const int64_t firstSecond = nowSecond - (kWindowSeconds - 1);
    bool exact = true;
    for (const Second& s : slots_) {
        if (s.second < firstSecond || s.second > nowSecond || s.calls == 0)
            continue;
        out.calls += s.calls;
        out.errors += s.errors;
        exact = exact && !s.histogram;
    }
    if (out.calls == 0)
        return out;
    // Over the window, or since the edge's first call when that is newer (at least a second, so
    // one call is not shown as thousands per second).
    const int64_t since = std::max(firstSecond * kSecondUs, firstUs_);
    const double span = std::max(1.0, double(nowUs - since) / 1e6);
    out.callsPerSec = double(out.calls) / span;

    if (exact) {
        std::vector<int64_t> times;
        times.reserve(static_cast<size_t>(out.calls));
        for (const Second& s : slots_) {
            if (s.second >= firstSecond && s.second <= nowSecond)
                times.insert(times.end(), s.times.begin(), s.times.end());
        }
        // Nearest rank: the ceil(0.99 n)-th smallest.
        const size_t k = std::min(times.size() - 1, (times.size() * 99 + 99) / 100 - 1);
        std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(k),
                         times.end());
        out.p99Us = times[k];
        return out;
    }
    LatencyHistogram merged;
    for (const Second& s : slots_) {
        if (s.second < firstSecond || s.second > nowSecond || s.calls == 0)
            continue;
        if (s.histogram)
            merged.merge(*s.histo);
        else
            for (const int64_t t : s.times)
                merged.add(t);
    }
    out.p99Us = merged.percentile(99);
    return out;
}

size_t EdgeWindow::bytes() const {
    size_t n = sizeof(*this);
    for (const Second& s : slots_) {
        n += s.times.capacity() * sizeof(int64_t);
        if (s.histo)
            n += sizeof(LatencyHistogram);
    }
    return n;
}

}  // namespace meshx::telemetry
