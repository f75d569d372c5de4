// meshx-proxy: the built-in sidecar proxy (like `consul connect proxy -sidecar-for ID`).

#include <cstdio>
#include <string>

#include "meshx/version.h"

namespace {

constexpr const char* kUsage = R"(Usage: meshx-proxy -sidecar-for SERVICE_ID [options]

Runs the sidecar proxy of a registered service: a public mTLS listener in front of the local
service and one plain listener per upstream.

Options:
  -sidecar-for ID     service whose connect-proxy registration to serve
  -http-addr ADDR     agent address (default $CONSUL_HTTP_ADDR or 127.0.0.1:8500)
  -token T            ACL token (default $CONSUL_HTTP_TOKEN)
  -log-level LEVEL    trace, debug, info, warn, err (default info)
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
            std::printf("meshx-proxy %s\n", meshx::kVersion);
            return 0;
        }
    }
    std::fputs("meshx-proxy: the sidecar proxy is not built yet\n", stderr);
    return 1;
}
