#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "proxy/authorizer.h"
#include "proxy/event_loop.h"

namespace meshx::proxy {

// Remembers decisions of another Authorizer for a short time and merges concurrent asks.
//
// A burst of connections from one client costs one agent call instead of one each (Consul's
// agent caches the same way), and the short lifetime bounds how long a changed intention takes
// to bite. Errors are not cached. Lives on one loop thread: the inner authorizer's answers are
// posted back to it.
class CachingAuthorizer : public Authorizer {
  public:
    // Loop thread. `inner` may answer on any thread; answers that arrive after this object is
    // gone are dropped.
    CachingAuthorizer(EventLoop& loop, std::shared_ptr<Authorizer> inner,
                      std::chrono::milliseconds ttl);

    // Authorizer. Loop thread; `done` runs on the loop thread.
    void authorize(const AuthorizeRequest& request, Callback done) override;

    // Loop thread. Forgets every cached decision (e.g. after the roots rotated).
    void clear() { cache_.clear(); }
    // Loop thread. How many calls went to the inner authorizer (for tests and stats).
    uint64_t innerCalls() const { return innerCalls_; }

  private:
    using Key = std::pair<std::string, std::string>;  // target, client URI
    struct Entry {
        AuthorizeDecision decision;
        EventLoop::Clock::time_point expires;
    };
    void complete(const Key& key, const Result<AuthorizeDecision>& result);

    EventLoop& loop_;
    std::shared_ptr<Authorizer> inner_;
    std::chrono::milliseconds ttl_;
    std::map<Key, Entry> cache_;
    std::map<Key, std::vector<Callback>> inFlight_;
    uint64_t innerCalls_ = 0;
    // Where the inner authorizer's answers go. The destructor detaches it under its lock, so
    // an answer arriving late (from another thread) is dropped instead of being posted to a
    // loop, or for an object, that no longer exists.
    struct Mailbox {
        std::mutex mutex;
        CachingAuthorizer* owner = nullptr;
    };
    std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();

  public:
    ~CachingAuthorizer() override;
};

}  // namespace meshx::proxy
