#include <cstdio>

#include "cli/commands.h"

namespace meshx::cli {

// Placeholder until the command lands; keeps the dispatcher and build stable meanwhile.
int rpcCallCommand(const std::vector<std::string>& /*args*/) {
    std::fputs("meshx: this command is not built yet\n", stderr);
    return 2;
}

}  // namespace meshx::cli
