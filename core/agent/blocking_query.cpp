#include "agent/blocking_query.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <random>

#include "agent/go_duration.h"

namespace meshx::agent {

namespace {

constexpr std::chrono::nanoseconds kMaxWait = std::chrono::minutes(10);
constexpr std::chrono::nanoseconds kDefaultWait = std::chrono::minutes(5);

void addIndexHeaders(HttpResponse& r, uint64_t index) {
    r.setHeader("X-Consul-Index", std::to_string(std::max<uint64_t>(1, index)));
    r.setHeader("X-Consul-Knownleader", "true");
    r.setHeader("X-Consul-Lastcontact", "0");
}

}  // namespace

Result<BlockingParams> BlockingParams::parse(const HttpRequest& request) {
    BlockingParams p;
    if (request.hasQuery("stale") && request.hasQuery("consistent")) {
        return makeError(Code::InvalidArgument,
                         "Cannot specify ?stale with ?consistent, conflicting semantics.");
    }
    if (auto w = request.queryValue("wait"); w && !w->empty()) {
        auto d = parseGoDuration(*w);
        if (!d) {
            return makeError(Code::InvalidArgument, "Invalid wait time");
        }
        p.wait = *d;
    }
    if (auto i = request.queryValue("index"); i && !i->empty()) {
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(i->data(), i->data() + i->size(), v);
        if (ec != std::errc{} || end != i->data() + i->size()) {
            return makeError(Code::InvalidArgument, "Invalid index");
        }
        p.index = v;
    }
    if (auto h = request.queryValue("hash"); h && !h->empty()) {
        p.hash = *h;
    }
    if (p.wait > kMaxWait) {
        p.wait = kMaxWait;
    }
    if (p.wait.count() <= 0) {
        p.wait = kDefaultWait;
    }
    return p;
}

std::chrono::nanoseconds BlockingParams::waitWithJitter() const {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const int64_t span = wait.count() / 16;
    if (span <= 0) {
        return wait;
    }
    std::uniform_int_distribution<int64_t> dist(0, span - 1);
    return wait + std::chrono::nanoseconds(dist(rng));
}

void serveIndexed(const ApiCall& call, BlockingRegistry& registry, const BlockingParams& params,
                  std::vector<std::string> keys, std::function<uint64_t()> currentIndex,
                  std::function<HttpResponse()> render) {
    auto send = [call, currentIndex, render] {
        const uint64_t index = currentIndex();
        HttpResponse r = render();
        addIndexHeaders(r, index);
        call.respond(std::move(r));
    };
    if (params.index == 0 || currentIndex() > params.index) {
        send();
        return;
    }
    const uint64_t minIndex = params.index;
    BlockingRegistry::Waiter w;
    w.keys = std::move(keys);
    w.deadline =
        std::chrono::steady_clock::now() +
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(params.waitWithJitter());
    w.ready = [currentIndex, minIndex] { return currentIndex() > minIndex; };
    w.answer = send;
    const uint64_t id = registry.park(std::move(w));
    BlockingRegistry* reg = &registry;
    call.onAbort([reg, id] { reg->cancel(id); });
}

void serveHashed(const ApiCall& call, BlockingRegistry& registry, const BlockingParams& params,
                 std::vector<std::string> keys,
                 std::function<std::pair<HttpResponse, std::string>()> render) {
    auto first = render();
    if (!params.hash || first.second.empty() || first.second != *params.hash) {
        call.respond(std::move(first.first));
        return;
    }
    const std::string hash = *params.hash;
    BlockingRegistry::Waiter w;
    w.keys = std::move(keys);
    w.deadline =
        std::chrono::steady_clock::now() +
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(params.waitWithJitter());
    w.ready = [render, hash] { return render().second != hash; };
    w.answer = [call, render] { call.respond(render().first); };
    const uint64_t id = registry.park(std::move(w));
    BlockingRegistry* reg = &registry;
    call.onAbort([reg, id] { reg->cancel(id); });
}

}  // namespace meshx::agent
