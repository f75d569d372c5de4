#include "common/hostname.h"

#include <unistd.h>

#include <array>

namespace meshx {

std::string shortHostname() {
    std::array<char, 256> buf{};
    if (gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') {
        return "localhost";
    }
    std::string name(buf.data());
    if (auto dot = name.find('.'); dot != std::string::npos) {
        name.resize(dot);
    }
    return name;
}

}  // namespace meshx
