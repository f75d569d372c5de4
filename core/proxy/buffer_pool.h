#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace meshx::proxy {

// Fixed-size byte blocks recycled on one loop thread.
//
// A pump only needs a block of its own while a write is blocked (the peer is slower than the
// source); the block goes back here when it drains, so memory follows the number of *stalled*
// connections, not open ones, and steady traffic allocates nothing.
class BufferPool {
  public:
    using Block = std::unique_ptr<char[]>;

    // `blockSize` bytes per block; at most `maxFree` idle blocks are kept.
    BufferPool(size_t blockSize, size_t maxFree);

    // Loop thread.
    Block acquire();
    // Loop thread. Null blocks are ignored.
    void release(Block block);

    size_t blockSize() const { return blockSize_; }
    size_t freeBlocks() const { return free_.size(); }

  private:
    size_t blockSize_;
    size_t maxFree_;
    std::vector<Block> free_;
};

}  // namespace meshx::proxy
