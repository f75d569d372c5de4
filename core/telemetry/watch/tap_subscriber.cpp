#include "telemetry/watch/tap_subscriber.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "net/address.h"
#include "telemetry/ring_subscription.h"
#include "telemetry/tap/tap_client.h"

namespace meshx::telemetry {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often the loop wakes with nothing to read: back-off deadlines and silence checks.
constexpr milliseconds kIdleWake{200};
// A tap that sent no line (not even a heartbeat) for this many heartbeat periods is dead.
constexpr int kSilentPeriods = 3;
constexpr milliseconds kMinSilence{5000};

}  // namespace

struct TapSubscriber::Impl {
    // One tap, owned by the subscriber thread.
    struct Conn {
        TapTarget target;
        std::optional<TapClient> client;
        TapState state;
        nlohmann::json process;  // from hello
        Clock::time_point nextAttempt{};
        milliseconds backoff{0};
        Clock::time_point lastLine{};
        milliseconds silence{kMinSilence};
    };

    explicit Impl(Options o) : options(std::move(o)), ring(options.capacity) {}

    void run();
    void apply();
    void connect(Conn& c, Clock::time_point now);
    void fail(Conn& c, const std::string& why, Clock::time_point now);
    void handle(Conn& c, const std::string& line, Clock::time_point now);
    void publishStates();
    void wake() const {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(wakeFd, &one, sizeof one);
    }

    Options options;  // filter/sources/token: subscriber thread (pending copies under mutex)
    RingSubscription ring;
    int wakeFd = -1;
    std::thread thread;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> tapDropped{0};

    mutable std::mutex mutex;  // guards the fields below
    std::optional<std::vector<TapTarget>> pendingTargets;
    std::optional<std::pair<std::string, std::string>> pendingSelection;
    std::vector<TapState> states;

    std::vector<Conn> conns;  // subscriber thread only
};

TapSubscriber::TapSubscriber(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
    impl_->wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

TapSubscriber::~TapSubscriber() {
    impl_->stop = true;
    impl_->wake();
    impl_->thread.join();
    ::close(impl_->wakeFd);
}

void TapSubscriber::setTargets(std::vector<TapTarget> targets) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->pendingTargets = std::move(targets);
    }
    impl_->wake();
}

void TapSubscriber::setSelection(std::string filter, std::string sources) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->pendingSelection = std::make_pair(std::move(filter), std::move(sources));
    }
    impl_->wake();
}

std::vector<TapSubscriber::TapState> TapSubscriber::taps() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->states;
}

size_t TapSubscriber::drain(std::vector<Event>& out, size_t max) {
    return impl_->ring.drain(out, max);
}

uint64_t TapSubscriber::dropped() const {
    return impl_->ring.dropped() + impl_->tapDropped.load(std::memory_order_relaxed);
}

bool TapSubscriber::eventFromLine(const std::string& line, const std::string& tap, Event& out) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("type", "") != "event")
        return false;
    out = Event{};
    auto u64 = [&](const char* k) {
        auto it = j.find(k);
        return it != j.end() && it->is_number_integer() ? it->get<uint64_t>() : uint64_t{0};
    };
    out.seq = u64("seq");
    auto t = j.find("time_us");
    out.timeUs = t != j.end() && t->is_number_integer() ? t->get<int64_t>() : 0;
    out.source = j.value("source", "");
    out.name = j.value("name", "");
    if (auto m = j.find("metrics"); m != j.end() && m->is_object())
        out.metrics = std::move(*m);
    if (auto m = j.find("meta"); m != j.end() && m->is_object())
        out.meta = std::move(*m);
    nlohmann::json process = nlohmann::json::object();
    if (auto p = j.find("process"); p != j.end() && p->is_object())
        process = std::move(*p);
    process["tap"] = tap;
    out.meta["process"] = std::move(process);
    return true;
}

void TapSubscriber::Impl::run() {
    std::vector<pollfd> fds;
    std::vector<Conn*> polled;
    std::vector<std::string> lines;
    while (!stop) {
        apply();
        Clock::time_point now = Clock::now();
        Clock::time_point next = now + kIdleWake;
        for (Conn& c : conns) {
            if (c.state.unreachable)
                continue;
            if (!c.client && !c.state.ownProcess && now >= c.nextAttempt && !stop)
                connect(c, now);
            if (!c.client && !c.state.ownProcess)
                next = std::min(next, c.nextAttempt);
        }
        fds.clear();
        polled.clear();
        fds.push_back({wakeFd, POLLIN, 0});
        for (Conn& c : conns) {
            if (c.client) {
                fds.push_back({c.client->fd(), POLLIN, 0});
                polled.push_back(&c);
            }
        }
        publishStates();
        const auto wait = std::chrono::duration_cast<milliseconds>(next - Clock::now());
        ::poll(fds.data(), fds.size(),
               static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000)));
        if (fds[0].revents != 0) {
            uint64_t n = 0;
            [[maybe_unused]] const ssize_t r = ::read(wakeFd, &n, sizeof n);
        }
        now = Clock::now();
        for (size_t i = 0; i < polled.size(); ++i) {
            Conn& c = *polled[i];
            Status status;
            lines.clear();
            if (fds[i + 1].revents != 0)
                status = c.client->readAvailable(lines);
            if (!lines.empty())
                c.lastLine = now;
            for (const std::string& line : lines) {
                handle(c, line, now);
                if (!c.client)
                    break;  // own process: closed
            }
            if (!c.client)
                continue;
            if (!status) {
                fail(c, status.error().message, now);
            } else if (now - c.lastLine > c.silence) {
                fail(c,
                     "no line (not even a heartbeat) for " + std::to_string(c.silence.count()) +
                         " ms",
                     now);
            }
        }
    }
    conns.clear();
}

void TapSubscriber::Impl::apply() {
    std::optional<std::vector<TapTarget>> targets;
    std::optional<std::pair<std::string, std::string>> selection;
    {
        std::lock_guard lock(mutex);
        targets.swap(pendingTargets);
        selection.swap(pendingSelection);
    }
    if (selection) {
        options.filter = std::move(selection->first);
        options.sources = std::move(selection->second);
        for (Conn& c : conns) {
            c.client.reset();
            c.state.connected = false;
            c.nextAttempt = {};
            c.backoff = milliseconds(0);
        }
    }
    if (targets) {
        std::vector<Conn> kept;
        for (TapTarget& t : *targets) {
            auto it = std::find_if(conns.begin(), conns.end(), [&](const Conn& c) {
                return c.target.address == t.address && c.target.node == t.node &&
                       c.target.unreachable.empty() == t.unreachable.empty();
            });
            if (it != conns.end()) {
                it->target.services = t.services;
                it->state.services = t.services;
                kept.push_back(std::move(*it));
                conns.erase(it);
            } else {
                Conn c;
                c.state.address = t.address;
                c.state.services = t.services;
                c.state.node = t.node;
                c.state.unreachable = !t.unreachable.empty();
                c.state.lastError = t.unreachable;
                c.target = std::move(t);
                kept.push_back(std::move(c));
            }
        }
        conns = std::move(kept);  // the ones left behind close here
    }
}

void TapSubscriber::Impl::connect(Conn& c, Clock::time_point now) {
    auto address = net::Address::parse(c.target.address);
    if (!address) {
        fail(c, address.error().message, now);
        return;
    }
    TapClient::Request request{options.filter, options.sources, options.token};
    auto client = TapClient::connect(*address, request, options.connectTimeout);
    if (!client) {
        fail(c, client.error().message, now);
        return;
    }
    c.client.emplace(std::move(*client));
    c.lastLine = Clock::now();
    c.silence = kMinSilence;
}

void TapSubscriber::Impl::fail(Conn& c, const std::string& why, Clock::time_point now) {
    c.client.reset();
    c.state.connected = false;
    c.state.lastError = why;
    c.backoff =
        c.backoff.count() == 0 ? options.backoffMin : std::min(options.backoffMax, c.backoff * 2);
    c.nextAttempt = now + c.backoff;
}

void TapSubscriber::Impl::handle(Conn& c, const std::string& line, Clock::time_point now) {
    // Event lines are the common case: only they are parsed into Events.
    if (line.find("\"type\":\"event\"") != std::string::npos) {
        Event e;
        if (TapSubscriber::eventFromLine(line, c.target.address, e)) {
            if (!c.target.node.empty())
                e.meta["process"]["node"] = c.target.node;
            ++c.state.events;
            ring.push(std::move(e));  // moved into a preallocated slot: no copy
        }
        return;
    }
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object())
        return;
    const std::string type = j.value("type", "");
    if (type == "hello") {
        c.process = j.value("process", nlohmann::json::object());
        c.state.pid = c.process.value("pid", 0L);
        c.state.program = c.process.value("program", "");
        c.state.serviceId = c.process.value("service_id", "");
        c.silence = std::max(kMinSilence,
                             kSilentPeriods * milliseconds(j.value("heartbeat_ms", int64_t{2000})));
        if (options.skipOwnProcess && c.state.pid == static_cast<long>(::getpid())) {
            c.state.ownProcess = true;
            c.state.connected = false;
            c.client.reset();
            return;
        }
        c.state.connected = true;
        c.state.lastError.clear();
        ++c.state.connects;
        c.backoff = milliseconds(0);
        c.state.tapDropped = 0;
    } else if (type == "heartbeat") {
        const uint64_t d = j.value("dropped", uint64_t{0});
        if (d > c.state.tapDropped) {
            tapDropped.fetch_add(d - c.state.tapDropped, std::memory_order_relaxed);
            c.state.tapDropped = d;
        }
    }
    (void)now;
}

void TapSubscriber::Impl::publishStates() {
    std::vector<TapState> copy;
    copy.reserve(conns.size());
    for (const Conn& c : conns)
        copy.push_back(c.state);
    std::lock_guard lock(mutex);
    states = std::move(copy);
}

}  // namespace meshx::telemetry
