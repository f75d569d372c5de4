#include "consul/cancel_token.h"

namespace meshx::consul {

CancelToken::CancelToken() : state_(std::make_shared<Registration::State>()) {}

void CancelToken::cancel() const {
    std::lock_guard lock(state_->mutex);
    state_->cancelled.store(true, std::memory_order_release);
    for (auto& [id, waker] : state_->wakers) {
        waker();
    }
}

bool CancelToken::cancelled() const {
    return state_->cancelled.load(std::memory_order_acquire);
}

CancelToken::Registration CancelToken::onCancel(std::function<void()> waker) const {
    std::lock_guard lock(state_->mutex);
    Registration reg;
    reg.state_ = state_;
    reg.id_ = state_->nextId++;
    if (state_->cancelled.load(std::memory_order_acquire)) {
        waker();
    }
    state_->wakers.emplace(reg.id_, std::move(waker));
    return reg;
}

CancelToken::Registration::Registration(Registration&& other) noexcept
    : state_(std::move(other.state_)), id_(other.id_) {
    other.id_ = 0;
}

CancelToken::Registration& CancelToken::Registration::operator=(Registration&& other) noexcept {
    if (this != &other) {
        Registration old(std::move(*this));
        state_ = std::move(other.state_);
        id_ = other.id_;
        other.id_ = 0;
    }
    return *this;
}

CancelToken::Registration::~Registration() {
    if (state_) {
        std::lock_guard lock(state_->mutex);
        state_->wakers.erase(id_);
    }
}

}  // namespace meshx::consul
