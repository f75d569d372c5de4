#include "proxy/byte_pump.h"

#include <sys/epoll.h>

#include <cstring>

namespace meshx::proxy {

using Status = IoResult::Status;

BytePump::BytePump(EventLoop& loop, Transport& downstream, Transport& upstream) : loop_(loop) {
    sides_[0].transport = &downstream;
    sides_[1].transport = &upstream;
    dirs_[1].from = 1;
    dirs_[1].to = 0;
}

BytePump::~BytePump() {
    for (auto& d : dirs_) {
        loop_.buffers().release(std::move(d.block));
    }
}

bool BytePump::finished() const {
    for (const auto& d : dirs_) {
        if (!d.eof || d.length != 0 || !d.shutdownDone) {
            return false;
        }
    }
    return true;
}

void BytePump::onEvents(int side, uint32_t events) {
    noteEvents(side, events);
    run();
}

void BytePump::noteEvents(int side, uint32_t events) {
    Side& s = sides_[side];
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        s.readable = true;
    }
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        s.peerClosed = true;
    }
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
        s.writable = true;
    }
}

void BytePump::run() {
    // Direction 0 may free what direction 1 waits for only through the kernel (a new epoll
    // event), so one pass over both is enough.
    for (auto& d : dirs_) {
        if (failed_) {
            return;
        }
        pump(d);
        if (turns_) {
            turns_->endPass();
        }
    }
}

void BytePump::fail(int side, const std::string& what) {
    if (!failed_) {
        failed_ = true;
        failedSide_ = side;
        error_ = (side == 0 ? "downstream " : "upstream ") + what;
    }
}

size_t BytePump::writeSome(Side& dst, const char* data, size_t len) {
    size_t done = 0;
    while (done < len && dst.ready(dst.writeWaits)) {
        IoResult r = dst.transport->write(data + done, len - done);
        switch (r.status) {
            case Status::Ok:
                done += r.bytes;
                dst.writeWaits = Wait::Writable;
                if (r.exhausted) {
                    dst.writable = false;
                }
                break;
            case Status::WantWrite:
                dst.writeWaits = Wait::Writable;
                dst.writable = false;
                break;
            case Status::WantRead:
                dst.writeWaits = Wait::Readable;
                dst.readable = false;
                break;
            case Status::Eof:
            case Status::Error:
                fail(&dst == &sides_[0] ? 0 : 1, "write: " + dst.transport->errorText());
                return done;
        }
    }
    return done;
}

void BytePump::pump(Direction& d) {
    Side& src = sides_[d.from];
    Side& dst = sides_[d.to];
    for (;;) {
        if (d.length > 0) {
            size_t n = writeSome(dst, d.block.get() + d.offset, d.length);
            d.offset += n;
            d.length -= n;
            d.delivered += n;
            if (d.length > 0 || failed_) {
                return;
            }
            loop_.buffers().release(std::move(d.block));
            d.offset = 0;
            if (turns_) {
                turns_->written(d.from);
            }
        }
        if (d.eof) {
            if (!d.shutdownDone && dst.ready(dst.writeWaits)) {
                IoResult r = dst.transport->shutdownWrite();
                if (r.status == Status::WantWrite) {
                    dst.writeWaits = Wait::Writable;
                    dst.writable = false;
                } else if (r.status == Status::WantRead) {
                    dst.writeWaits = Wait::Readable;
                    dst.readable = false;
                } else {
                    // A failed shutdown means the peer is gone; the other direction reports it.
                    d.shutdownDone = true;
                }
            }
            return;
        }
        if (!src.ready(src.readWaits)) {
            return;
        }

        // Fill the scratch buffer (a TLS read returns one record at a time), then pass it on.
        char* buf = loop_.scratch();
        const size_t cap = loop_.scratchSize();
        size_t n = 0;
        while (n < cap) {
            IoResult r = src.transport->read(buf + n, cap - n);
            if (r.status == Status::Ok) {
                n += r.bytes;
                src.readWaits = Wait::Readable;
                if (r.exhausted && !src.peerClosed) {
                    src.readable = false;
                    break;
                }
                continue;
            }
            if (r.status == Status::WantRead) {
                src.readWaits = Wait::Readable;
                src.readable = false;
            } else if (r.status == Status::WantWrite) {
                src.readWaits = Wait::Writable;
                src.writable = false;
            } else if (r.status == Status::Eof) {
                d.eof = true;
            } else {
                fail(d.from, "read: " + src.transport->errorText());
                return;
            }
            break;
        }
        if (n > 0) {
            if (turns_) {
                turns_->read(d.from, n);
            }
            size_t w = writeSome(dst, buf, n);
            d.delivered += w;
            if (failed_) {
                return;
            }
            if (w == n && turns_) {
                turns_->written(d.from);
            }
            if (w < n) {
                d.block = loop_.buffers().acquire();
                std::memcpy(d.block.get(), buf + w, n - w);
                d.offset = 0;
                d.length = n - w;
            }
        } else if (!d.eof) {
            return;
        }
    }
}

}  // namespace meshx::proxy
