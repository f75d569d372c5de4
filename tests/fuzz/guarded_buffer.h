#pragma once

// A copy of the fuzz input that ends exactly at an inaccessible page.
//
// erl_interface's ei_decode_* functions live in libei.a, which is built without ASan, so a read
// past the input inside them is invisible to the sanitizer. Placing the input's last byte just
// before a PROT_NONE page turns any such over-read into a SIGSEGV, which libFuzzer (and the GCC
// replayer, by crashing) report like any other crash. Single-threaded, as fuzz targets are.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace meshx::fuzz {

class GuardedBuffer {
  public:
    explicit GuardedBuffer(std::size_t capacity) {
        page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        usable_ = (capacity + page_ - 1) / page_ * page_;
        void* p = mmap(nullptr, usable_ + page_, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            std::abort();
        }
        base_ = static_cast<std::uint8_t*>(p);
        if (mprotect(base_ + usable_, page_, PROT_NONE) != 0) {
            std::abort();
        }
    }
    ~GuardedBuffer() { munmap(base_, usable_ + page_); }
    GuardedBuffer(const GuardedBuffer&) = delete;
    GuardedBuffer& operator=(const GuardedBuffer&) = delete;

    std::size_t capacity() const { return usable_; }

    // Copies `data` so that it ends at the guard page; returns the copy's first byte.
    const char* place(const std::uint8_t* data, std::size_t size) {
        if (size > usable_) {
            std::abort();
        }
        std::uint8_t* at = base_ + usable_ - size;
        if (size > 0) {
            std::memcpy(at, data, size);
        }
        return reinterpret_cast<const char*>(at);
    }

  private:
    std::size_t page_ = 0;
    std::size_t usable_ = 0;
    std::uint8_t* base_ = nullptr;
};

}  // namespace meshx::fuzz
