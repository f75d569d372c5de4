// meshx-agent: the embedded dev agent as a process (a Consul HTTP API subset).

#include <cstdio>
#include <string>

#include "meshx/version.h"

namespace {

constexpr const char* kUsage = R"(Usage: meshx-agent -dev [options]

Runs a development Consul agent that serves the HTTP API subset Meshx uses.

Options:
  -dev                   development mode (in-memory state, Connect CA generated at start)
  -client ADDR           address the HTTP API binds to (default 127.0.0.1)
  -http-port N           HTTP API port (default 8500; 0 picks a free port and prints it)
  -node NAME             node name (default: host name)
  -datacenter DC         datacenter (default dc1)
  -acl-master-token T    enable ACLs; requests need this token
  -log-level LEVEL       trace, debug, info, warn, err (default info)
  --help, --version
)";

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (a == "--version" || a == "-version") {
            std::printf("meshx-agent %s\n", meshx::kVersion);
            return 0;
        }
    }
    std::fputs("meshx-agent: the dev agent is not built yet\n", stderr);
    return 1;
}
