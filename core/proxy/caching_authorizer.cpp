#include "proxy/caching_authorizer.h"

namespace meshx::proxy {

CachingAuthorizer::CachingAuthorizer(EventLoop& loop, std::shared_ptr<Authorizer> inner,
                                     std::chrono::milliseconds ttl)
    : loop_(loop), inner_(std::move(inner)), ttl_(ttl) {}

void CachingAuthorizer::authorize(const AuthorizeRequest& request, Callback done) {
    Key key{request.target, request.clientCertUri};
    auto now = EventLoop::Clock::now();
    if (auto it = cache_.find(key); it != cache_.end()) {
        if (it->second.expires > now) {
            done(it->second.decision);
            return;
        }
        cache_.erase(it);
    }
    auto& waiters = inFlight_[key];
    waiters.push_back(std::move(done));
    if (waiters.size() > 1) {
        return;
    }
    ++innerCalls_;
    std::weak_ptr<bool> alive = alive_;
    EventLoop* loop = &loop_;
    inner_->authorize(request, [this, alive, loop, key](Result<AuthorizeDecision> result) {
        loop->post([this, alive, key, result = std::move(result)] {
            if (alive.lock()) {
                complete(key, result);
            }
        });
    });
}

void CachingAuthorizer::complete(const Key& key, const Result<AuthorizeDecision>& result) {
    if (result.ok()) {
        // Bound the cache: entries only matter for ttl_, so drop all when it grows odd-sized.
        if (cache_.size() > 10000) {
            cache_.clear();
        }
        cache_[key] = Entry{*result, EventLoop::Clock::now() + ttl_};
    }
    auto it = inFlight_.find(key);
    if (it == inFlight_.end()) {
        return;
    }
    auto waiters = std::move(it->second);
    inFlight_.erase(it);
    for (auto& w : waiters) {
        w(result);
    }
}

}  // namespace meshx::proxy
