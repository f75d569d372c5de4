#include "consul/curl_handle_pool.h"

#include <curl/curl.h>

namespace meshx::consul {

CurlHandlePool::CurlHandlePool(std::size_t maxIdle) : maxIdle_(maxIdle) {}

CurlHandlePool::~CurlHandlePool() {
    for (const Slot& slot : idle_) {
        destroy(slot);
    }
}

CurlHandlePool::Lease::~Lease() {
    if (pool_) {
        pool_->release(slot_);
    }
}

Result<CurlHandlePool::Lease> CurlHandlePool::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            Slot slot = idle_.back();
            idle_.pop_back();
            return Lease(this, slot);
        }
    }
    Slot slot{curl_easy_init(), curl_multi_init()};
    if (!slot.easy || !slot.multi) {
        destroy(slot);
        return makeError(Code::Internal, "libcurl could not allocate a handle");
    }
    std::lock_guard lock(mutex_);
    ++created_;
    return Lease(this, slot);
}

std::size_t CurlHandlePool::created() const {
    std::lock_guard lock(mutex_);
    return created_;
}

std::size_t CurlHandlePool::idle() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

void CurlHandlePool::release(Slot slot) {
    {
        std::lock_guard lock(mutex_);
        if (idle_.size() < maxIdle_) {
            idle_.push_back(slot);
            return;
        }
    }
    destroy(slot);
}

void CurlHandlePool::destroy(Slot slot) {
    if (slot.multi) {
        curl_multi_cleanup(slot.multi);
    }
    if (slot.easy) {
        curl_easy_cleanup(slot.easy);
    }
}

}  // namespace meshx::consul
