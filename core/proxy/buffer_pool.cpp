#include "proxy/buffer_pool.h"

namespace meshx::proxy {

BufferPool::BufferPool(size_t blockSize, size_t maxFree)
    : blockSize_(blockSize), maxFree_(maxFree) {}

BufferPool::Block BufferPool::acquire() {
    if (free_.empty()) {
        // Not value-initialised: the bytes are always written before they are read.
        return Block(new char[blockSize_]);
    }
    Block b = std::move(free_.back());
    free_.pop_back();
    return b;
}

void BufferPool::release(Block block) {
    if (block && free_.size() < maxFree_) {
        free_.push_back(std::move(block));
    }
}

}  // namespace meshx::proxy
