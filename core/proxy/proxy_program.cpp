#include "proxy/proxy_program.h"

#include "proxy/logger.h"
#include "proxy/proxy.h"
#include "proxy/static_authorizer.h"
#include "proxy/static_config_file.h"
#include "proxy/static_discovery.h"

namespace meshx::proxy {

ProxyProgram::ProxyProgram(CommandLine commandLine, std::function<void()> waitForStop,
                           Options options)
    : cl_(std::move(commandLine)), waitForStop_(std::move(waitForStop)), options_(options) {}

void ProxyProgram::line(FILE* stream, const std::string& text) {
    std::fputs(text.c_str(), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

void ProxyProgram::banner(const std::vector<std::pair<std::string, std::string>>& mode) {
    // Keys right-aligned on the colon, as Consul's CLI prints its info block.
    size_t width = 0;
    for (const auto& [key, value] : mode) {
        width = std::max(width, key.size());
    }
    for (const auto& [key, value] : mode) {
        line(options_.out, "    " + std::string(width - key.size(), ' ') + key + ": " + value);
    }
    line(options_.out, "    ");
    line(options_.out, "==> Log data will now stream in as it occurs:");
    line(options_.out, "");
}

int ProxyProgram::run() {
    line(options_.out, "==> Consul Connect proxy starting...");
    return cl_.configFile.empty() ? runAgent() : runStatic();
}

int ProxyProgram::runStatic() {
    auto file = StaticConfigFile::load(cl_.configFile);
    if (!file) {
        line(options_.err, "==> Error preparing configuration: " + file.error().message);
        return 1;
    }
    auto tls = TlsContext::create(file->tls);
    if (!tls) {
        line(options_.err, "==> Failed initializing proxy: " + tls.error().message);
        return 1;
    }
    banner({{"Configuration mode", "File"},
            {"Config file", cl_.configFile},
            {"Proxy ID", file->config.proxyId}});

    Logger log(
        *Logger::parseLevel(cl_.logLevel),
        [out = options_.out](const std::string& l) {
            std::fwrite(l.data(), 1, l.size(), out);
            std::fflush(out);
        },
        "    ");
    Proxy proxy(log, std::make_shared<StaticAuthorizer>(file->denied),
                std::make_shared<StaticDiscovery>(file->instances));
    proxy.start();
    proxy.setTls(*tls);
    if (auto st = proxy.setConfig(file->config); !st) {
        line(options_.err, "==> Failed initializing proxy: " + st.error().message);
        proxy.shutdown(std::chrono::milliseconds(0));
        return 1;
    }
    waitForStop_();
    proxy.shutdown(options_.shutdownGrace);
    line(options_.out, "==> Consul Connect proxy shutdown");
    return 0;
}

int ProxyProgram::runAgent() {
    line(options_.err, "==> Error preparing configuration: agent mode is not available yet");
    return 1;
}

}  // namespace meshx::proxy
