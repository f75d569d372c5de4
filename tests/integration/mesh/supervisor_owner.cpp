// Helper for test_proxy_supervisor's orphan test: owns a ProxySupervisor running the command
// given on the command line, prints "proxy-pid <pid>" once it runs, then serves its event loop
// until killed. The test SIGKILLs this process and checks the proxy dies with it.

#include <cstdio>
#include <string>
#include <vector>

#include <QCoreApplication>

#include "common/mesh_config.h"
#include "mesh/proxy_supervisor.h"

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::vector<std::string> proxyArgv;
    for (int i = 1; i < argc; ++i) {
        proxyArgv.emplace_back(argv[i]);
    }
    meshx::MeshConfig config;
    meshx::mesh::ProxySupervisor supervisor("orphan-test", proxyArgv, config, {});
    if (auto s = supervisor.start(); !s) {
        std::fprintf(stderr, "%s\n", s.error().toString().c_str());
        return 2;
    }
    std::printf("proxy-pid %lld\n", static_cast<long long>(supervisor.info().pid));
    std::fflush(stdout);
    return app.exec();
}
