#include "net/port_claim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace meshx::net {

namespace {

Error claimDirError(const std::string& dir, const std::string& what, int err) {
    return makeError(Code::IoError,
                     "port claim directory " + dir + ": " + what + ": " + std::strerror(err));
}

// Makes sure `dir` is a real directory (never a symlink someone planted in /tmp). A directory we
// create is sticky and world-writable: engines of every user on the host must meet in it.
Status ensureDirectory(const std::string& dir) {
    if (::mkdir(dir.c_str(), 01777) == 0) {
        (void)::chmod(dir.c_str(), 01777);  // mkdir's mode went through the umask
        return {};
    }
    if (errno != EEXIST) {
        return claimDirError(dir, "cannot create it", errno);
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        return claimDirError(dir, "cannot inspect it", errno);
    }
    if (!S_ISDIR(st.st_mode)) {
        return claimDirError(dir, "not a directory (or a symlink)", ENOTDIR);
    }
    return {};
}

// Opens (creating) the lock file of `port`. Another user's file may be read-only to us; flock
// works on a read-only descriptor just as well.
int openLockFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0) {
        (void)::fchmod(fd, 0666);  // let engines of other users open it read-write too
        return fd;
    }
    if (errno == EACCES) {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    return fd;
}

}  // namespace

std::string PortClaim::defaultDirectory() {
    if (const char* v = std::getenv("MESHX_PORT_CLAIM_DIR"); v != nullptr && *v != '\0') {
        return v;
    }
    return "/tmp/meshx-port-claims";
}

PortClaim::PortClaim(int fd, net::Address address) : fd_(fd), address_(std::move(address)) {}

PortClaim::~PortClaim() {
    ::close(fd_);  // closing the only descriptor of the open file drops the flock
}

Result<std::unique_ptr<PortClaim>> PortClaim::tryClaim(const std::string& dir,
                                                       const net::Address& address) {
    if (Status st = ensureDirectory(dir); !st) {
        return st.error();
    }
    const std::string path = dir + "/port-" + std::to_string(address.port()) + ".lock";
    const int fd = openLockFile(path);
    if (fd < 0) {
        return claimDirError(dir, "cannot open " + path, errno);
    }
    // Each open() is its own open file description, so a second claim of the same port by this
    // very process conflicts too, exactly like a claim by another process.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) {
            return std::unique_ptr<PortClaim>();
        }
        return claimDirError(dir, "cannot lock " + path, err);
    }
    return std::unique_ptr<PortClaim>(new PortClaim(fd, address));
}

}  // namespace meshx::net
