#include "consul/blocking_query_loop.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace meshx::consul {

BlockingQueryLoop::BlockingQueryLoop(ConsulApi& api, Request request, Options options, Sink sink,
                                     ErrorHandler onError)
    : api_(api),
      request_(std::move(request)),
      options_(options),
      sink_(std::move(sink)),
      onError_(std::move(onError)) {}

BlockingQueryLoop::~BlockingQueryLoop() {
    stop();
}

void BlockingQueryLoop::start() {
    if (thread_.joinable()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = false;
    }
    token_ = CancelToken();
    thread_ = std::thread([this] { run(); });
}

void BlockingQueryLoop::stop() {
    if (!thread_.joinable()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    token_.cancel();
    wake_.notify_all();
    if (thread_.get_id() == std::this_thread::get_id()) {
        thread_.detach();  // called from a handler on the loop thread: it ends by itself
        return;
    }
    thread_.join();
}

void BlockingQueryLoop::run() {
    Backoff backoff(options_.backoff);
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
        }
        Request request = request_;
        request.cancel = token_;
        request.blocking.wait = options_.wait;
        if (options_.mode == Mode::Index) {
            request.blocking.index = nextIndex_.load();
            request.blocking.hash.clear();
        } else {
            request.blocking.index = 0;
            request.blocking.hash = hash_;
        }
        ++requests_;
        auto response = api_.send(request);
        if (token_.cancelled()) {
            return;
        }
        Status status = response ? handle(*response) : Status(response.error());
        if (status) {
            backoff.reset();
            continue;
        }
        const auto delay = backoff.next();
        if (onError_) {
            onError_(status.error(), delay);
        }
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, delay, [this] { return stopping_; })) {
            return;
        }
    }
}

Status BlockingQueryLoop::handle(const Response& response) {
    if (options_.mode == Mode::Index) {
        if (!response.hasIndex) {
            return makeError(Code::ProtocolError,
                             "GET /v1" + request_.path +
                                 ": reply has no X-Consul-Index (the endpoint does not block)");
        }
        const uint64_t index = response.index;
        const bool changed = !delivered_ || index != deliveredIndex_;
        const bool sameBody = delivered_ && response.body == deliveredBody_;
        if (changed && !(options_.skipUnchangedBody && sameBody)) {
            if (auto st = sink_(response); !st) {
                return st;  // state not advanced: the retry re-reads the same result
            }
            deliveredBody_ = response.body;
        }
        delivered_ = true;
        deliveredIndex_ = index;
        // §1.8: an index of 0 (an agent bug) counts as 1, so the next query still blocks;
        // an index going backwards starts over with one fresh, non-blocking read.
        const uint64_t sane = std::max<uint64_t>(index, 1);
        const bool backwards = sane < lastSeenIndex_;
        lastSeenIndex_ = sane;
        nextIndex_ = backwards ? 0 : sane;
        return {};
    }

    std::string hash = response.contentHash();
    if (hash.empty()) {
        if (auto json = response.json(); json && json->is_object()) {
            if (auto it = json->find("ContentHash"); it != json->end() && it->is_string()) {
                hash = it->get<std::string>();
            }
        }
    }
    if (hash.empty()) {
        return makeError(Code::ProtocolError,
                         "GET /v1" + request_.path + ": reply has no content hash");
    }
    if (!delivered_ || hash != hash_) {
        if (auto st = sink_(response); !st) {
            return st;
        }
    }
    delivered_ = true;
    hash_ = std::move(hash);
    return {};
}

}  // namespace meshx::consul
