#include "proxy/session_tracker.h"

#include <vector>

namespace meshx::proxy {

Session* SessionTracker::add(std::unique_ptr<Session> session) {
    uint64_t id = nextId_++;
    session->setId(id);
    Session* raw = session.get();
    sessions_.emplace(id, std::move(session));
    return raw;
}

Session* SessionTracker::find(uint64_t id) const {
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : it->second.get();
}

void SessionTracker::finish(uint64_t id) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) {
        return;
    }
    loop_.destroyLater(std::shared_ptr<Session>(std::move(it->second)));
    sessions_.erase(it);
    if (sessions_.empty() && onEmpty_) {
        onEmpty_();
    }
}

void SessionTracker::abortAll() {
    std::vector<Session*> all;
    all.reserve(sessions_.size());
    for (auto& [id, s] : sessions_) {
        all.push_back(s.get());
    }
    // abort() calls finish(), which edits the map: iterate over a copy.
    for (Session* s : all) {
        s->abort();
    }
}

}  // namespace meshx::proxy
