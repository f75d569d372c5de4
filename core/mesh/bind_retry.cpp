#include "mesh/bind_retry.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace meshx::mesh {

bool isAddressInUse(const Error& error) {
    if (error.code != Code::IoError) {
        return false;
    }
    // strerror(EADDRINUSE) from our own sockets; QAbstractSocket::AddressInUseError's text from
    // Qt's servers (the dummy listener).
    const std::string& m = error.message;
    return m.find(std::strerror(EADDRINUSE)) != std::string::npos ||
           m.find("address is already in use") != std::string::npos;
}

}  // namespace meshx::mesh
