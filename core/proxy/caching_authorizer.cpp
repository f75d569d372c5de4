#include "proxy/caching_authorizer.h"

namespace meshx::proxy {

CachingAuthorizer::CachingAuthorizer(EventLoop& loop, std::shared_ptr<Authorizer> inner,
                                     std::chrono::milliseconds ttl)
    : loop_(loop), inner_(std::move(inner)), ttl_(ttl) {
    mailbox_->owner = this;
}

CachingAuthorizer::~CachingAuthorizer() {
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->owner = nullptr;
}

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
    std::shared_ptr<Mailbox> mailbox = mailbox_;
    inner_->authorize(request, [mailbox, key](Result<AuthorizeDecision> result) {
        std::lock_guard lock(mailbox->mutex);
        if (CachingAuthorizer* owner = mailbox->owner) {
            // Posted even from the loop thread (an inline inner authorizer): answers are then
            // applied between events, never in the middle of the session that asked.
            owner->loop_.post([mailbox, key, result = std::move(result)] {
                // Loop thread. The owner dies only after its loop has stopped, so once read it
                // stays valid for this task.
                CachingAuthorizer* self = nullptr;
                {
                    std::lock_guard inner(mailbox->mutex);
                    self = mailbox->owner;
                }
                if (self != nullptr) {
                    self->complete(key, result);
                }
            });
        }
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
