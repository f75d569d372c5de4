#pragma once

#include <string>

namespace meshx {

// Short host name of this machine (up to the first dot), as used in default service ids
// (`<name>-<hostname>`) and the upstream proxy id (`upstream-<hostname>`). Any thread.
std::string shortHostname();

}  // namespace meshx
