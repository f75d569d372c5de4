#include "proxy/socket_bio.h"

#include <sys/socket.h>

#include <cerrno>

namespace meshx::proxy {

namespace {

struct State {
    int fd = -1;
    bool drained = false;
    bool receivedAny = false;
    int lastErrno = 0;
};

State* state(BIO* bio) {
    return static_cast<State*>(BIO_get_data(bio));
}

int bioRead(BIO* bio, char* buf, int len) {
    State* s = state(bio);
    BIO_clear_retry_flags(bio);
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
    for (;;) {
        // MSG_NOSIGNAL: a reset peer is an error to report, not a SIGPIPE.
        ssize_t n = ::send(s->fd, buf, static_cast<size_t>(len), MSG_NOSIGNAL);
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

bool SocketBio::drained(BIO* bio) {
    return state(bio)->drained;
}

int SocketBio::lastErrno(BIO* bio) {
    return state(bio)->lastErrno;
}

bool SocketBio::receivedAny(BIO* bio) {
    return state(bio)->receivedAny;
}

}  // namespace meshx::proxy
