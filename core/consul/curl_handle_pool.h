#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"

typedef void CURL;   // NOLINT: libcurl's own spelling, kept so this header needs no curl.h
typedef void CURLM;  // NOLINT

namespace meshx::consul {

// Reusable libcurl handles. Each slot is an easy handle plus the multi handle that drives it:
// the multi handle owns the connection cache (so keep-alive connections survive between
// requests on the slot) and gives curl_multi_wakeup for instant cancel (see CancelToken).
//
// A slot is used by one thread at a time: acquire() hands it out exclusively, the lease puts it
// back. Slots are made on demand, so a long blocking query never starves other callers; at most
// `maxIdle` idle slots are kept, the rest are closed when returned.
class CurlHandlePool {
  public:
    explicit CurlHandlePool(std::size_t maxIdle);
    ~CurlHandlePool();  // every lease must have been returned
    CurlHandlePool(const CurlHandlePool&) = delete;
    CurlHandlePool& operator=(const CurlHandlePool&) = delete;

    struct Slot {
        CURL* easy = nullptr;
        CURLM* multi = nullptr;
    };

    class Lease {
      public:
        Lease(CurlHandlePool* pool, Slot slot) : pool_(pool), slot_(slot) {}
        Lease(Lease&& other) noexcept : pool_(other.pool_), slot_(other.slot_) {
            other.pool_ = nullptr;
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        ~Lease();

        CURL* easy() const { return slot_.easy; }
        CURLM* multi() const { return slot_.multi; }

      private:
        CurlHandlePool* pool_;
        Slot slot_;
    };

    // Any thread. Internal error only if libcurl cannot allocate a handle.
    Result<Lease> acquire();

    // Any thread. Slots made so far (tests and benchmarks check reuse with it).
    std::size_t created() const;
    std::size_t idle() const;

  private:
    void release(Slot slot);
    static void destroy(Slot slot);

    const std::size_t maxIdle_;
    mutable std::mutex mutex_;
    std::vector<Slot> idle_;
    std::size_t created_ = 0;
};

}  // namespace meshx::consul
