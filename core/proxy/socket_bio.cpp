#include "proxy/socket_bio.h"

#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "proxy/ring_socket.h"

namespace meshx::proxy {

namespace {

struct State {
    int fd = -1;
    RingSocket* ring = nullptr;  // set: the io_uring loop moves the bytes
    bool drained = false;
    bool receivedAny = false;
    int lastErrno = 0;
    // While corked: where writes are gathered.
    std::vector<char>* cork = nullptr;
    // Written by OpenSSL, not yet taken by the socket (it was full); goes out before anything.
    std::string unsent;
    size_t unsentOffset = 0;
};

State* state(BIO* bio) {
    return static_cast<State*>(BIO_get_data(bio));
}

// One send() of [data, data+len): returns the bytes the socket took (fewer than `len` means it
// is full: asking again would only learn EAGAIN), or -1 with s->lastErrno set.
ssize_t sendOnce(State* s, const char* data, size_t len) {
    if (s->ring != nullptr) {
        int err = 0;
        ssize_t n = s->ring->write(data, len, &err);
        if (n >= 0 || err == EAGAIN) {
            return n < 0 ? 0 : n;
        }
        s->lastErrno = err;
        return -1;
    }
    for (;;) {
        // MSG_NOSIGNAL: a reset peer is an error to report, not a SIGPIPE.
        ssize_t n = ::send(s->fd, data, len, MSG_NOSIGNAL);
        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        s->lastErrno = errno;
        return -1;
    }
}

bool flush(State* s) {
    if (s->unsentOffset == s->unsent.size()) {
        return true;
    }
    ssize_t n = sendOnce(s, s->unsent.data() + s->unsentOffset, s->unsent.size() - s->unsentOffset);
    if (n < 0) {
        return false;
    }
    s->unsentOffset += static_cast<size_t>(n);
    if (s->unsentOffset == s->unsent.size()) {
        s->unsent.clear();
        s->unsentOffset = 0;
    }
    return true;
}

int bioRead(BIO* bio, char* buf, int len) {
    State* s = state(bio);
    BIO_clear_retry_flags(bio);
    if (s->ring != nullptr) {
        int err = 0;
        ssize_t n = s->ring->read(buf, static_cast<size_t>(len), &err);
        if (n >= 0) {
            s->drained = s->ring->drained();
            s->receivedAny = s->receivedAny || n > 0;
            return static_cast<int>(n);
        }
        s->drained = true;
        if (err == EAGAIN) {
            BIO_set_retry_read(bio);
        } else {
            s->lastErrno = err;
        }
        return -1;
    }
    for (;;) {
        ssize_t n = ::recv(s->fd, buf, static_cast<size_t>(len), 0);
        if (n >= 0) {
            s->drained = n < len;
            s->receivedAny = s->receivedAny || n > 0;
            return static_cast<int>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        s->drained = true;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            BIO_set_retry_read(bio);
        } else {
            s->lastErrno = errno;
        }
        return -1;
    }
}

int bioWrite(BIO* bio, const char* buf, int len) {
    State* s = state(bio);
    BIO_clear_retry_flags(bio);
    const auto size = static_cast<size_t>(len);
    if (s->cork != nullptr) {
        s->cork->insert(s->cork->end(), buf, buf + size);
        return len;
    }
    if (s->unsentOffset != s->unsent.size()) {
        // Behind bytes the socket has not taken yet: order first. OpenSSL sees the record as
        // written; it goes out with the unsent bytes.
        s->unsent.append(buf, size);
        return flush(s) ? len : -1;
    }
    if (s->ring != nullptr) {
        ssize_t n = sendOnce(s, buf, size);
        if (n > 0) {
            return static_cast<int>(n);
        }
        if (n == 0) {
            BIO_set_retry_write(bio);
        }
        return -1;
    }
    for (;;) {
        // MSG_NOSIGNAL: a reset peer is an error to report, not a SIGPIPE.
        ssize_t n = ::send(s->fd, buf, size, MSG_NOSIGNAL);
        if (n >= 0) {
            return static_cast<int>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            BIO_set_retry_write(bio);
        } else {
            s->lastErrno = errno;
        }
        return -1;
    }
}

long bioCtrl(BIO* bio, int cmd, long, void* ptr) {
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;
        case BIO_C_GET_FD:
            if (ptr != nullptr) {
                *static_cast<int*>(ptr) = state(bio)->fd;
            }
            return state(bio)->fd;
        default:
            return 0;
    }
}

int bioCreate(BIO* bio) {
    BIO_set_data(bio, new State());
    BIO_set_init(bio, 1);
    return 1;
}

int bioDestroy(BIO* bio) {
    delete state(bio);
    BIO_set_data(bio, nullptr);
    return 1;
}

BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
        BIO_METHOD* bm = BIO_meth_new(
            BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "meshx socket");
        BIO_meth_set_read(bm, bioRead);
        BIO_meth_set_write(bm, bioWrite);
        BIO_meth_set_ctrl(bm, bioCtrl);
        BIO_meth_set_create(bm, bioCreate);
        BIO_meth_set_destroy(bm, bioDestroy);
        return bm;
    }();
    return m;
}

}  // namespace

BIO* SocketBio::create(int fd) {
    BIO* bio = BIO_new(method());
    state(bio)->fd = fd;
    return bio;
}

void SocketBio::attachRing(BIO* bio, RingSocket* ring) {
    state(bio)->ring = ring;
}

bool SocketBio::drained(BIO* bio) {
    return state(bio)->drained;
}

int SocketBio::lastErrno(BIO* bio) {
    return state(bio)->lastErrno;
}

bool SocketBio::receivedAny(BIO* bio) {
    return state(bio)->receivedAny;
}

void SocketBio::cork(BIO* bio, std::vector<char>* buffer) {
    buffer->clear();
    state(bio)->cork = buffer;
}

bool SocketBio::uncork(BIO* bio) {
    State* s = state(bio);
    std::vector<char>* gathered = s->cork;
    s->cork = nullptr;
    if (gathered == nullptr || gathered->empty()) {
        return true;
    }
    if (s->unsentOffset != s->unsent.size()) {
        s->unsent.append(gathered->data(), gathered->size());
        return flush(s);
    }
    ssize_t n = sendOnce(s, gathered->data(), gathered->size());
    if (n < 0) {
        return false;
    }
    const auto sent = static_cast<size_t>(n);
    if (sent < gathered->size()) {
        s->unsent.assign(gathered->data() + sent, gathered->size() - sent);
        s->unsentOffset = 0;
    }
    return true;
}

size_t SocketBio::unsent(BIO* bio) {
    const State* s = state(bio);
    return s->unsent.size() - s->unsentOffset;
}

bool SocketBio::flushUnsent(BIO* bio) {
    return flush(state(bio));
}

}  // namespace meshx::proxy
