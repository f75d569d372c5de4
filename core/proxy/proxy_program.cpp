#include "proxy/proxy_program.h"

#include <algorithm>

#include "common/mesh_config.h"
#include "consul/agent_endpoints.h"
#include "proxy/agent_http_client.h"
#include "proxy/certificate_watcher.h"
#include "proxy/config_watcher.h"
#include "proxy/consul_authorizer.h"
#include "proxy/consul_discovery.h"
#include "proxy/logger.h"
#include "proxy/proxy.h"
#include "proxy/sidecar_lookup.h"
#include "proxy/static_authorizer.h"
#include "proxy/static_config_file.h"
#include "proxy/static_discovery.h"

namespace meshx::proxy {

ProxyProgram::ProxyProgram(CommandLine commandLine, Options options)
    : cl_(std::move(commandLine)), options_(options) {}

ProxyProgram::~ProxyProgram() {
    certificates_.reset();
    configWatcher_.reset();
    client_.reset();
    proxies_.clear();
}

void ProxyProgram::requestStop() {
    stopRequested_ = true;
    control_.quit();
}

void ProxyProgram::line(FILE* stream, const std::string& text) {
    std::fputs(text.c_str(), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

void ProxyProgram::fail(const std::string& what) {
    line(options_.err, "==> " + what);
    exitCode_ = 1;
    control_.quit();
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
    FILE* out = options_.out;
    log_ = std::make_unique<Logger>(
        *Logger::parseLevel(cl_.logLevel),
        [out](const std::string& l) {
            std::fwrite(l.data(), 1, l.size(), out);
            std::fflush(out);
        },
        "    ");
    if (cl_.configFile.empty()) {
        control_.post([this] { lookUpAgent(); });
    } else {
        control_.post([this] { runStatic(); });
    }
    control_.run();

    // Stop the sources of change first, then the data plane, then the client.
    certificates_.reset();
    configWatcher_.reset();
    // Every loop gets the same grace, counted from the same moment.
    for (auto& p : proxies_) {
        p->beginShutdown(options_.shutdownGrace);
    }
    for (auto& p : proxies_) {
        p->waitShutdown();
    }
    client_.reset();
    if (exitCode_ == 0) {
        line(options_.out, "==> Consul Connect proxy shutdown");
    }
    return exitCode_;
}

void ProxyProgram::runStatic() {
    if (stopRequested_) {
        return;
    }
    auto file = StaticConfigFile::load(cl_.configFile);
    if (!file) {
        fail("Error preparing configuration: " + file.error().message);
        return;
    }
    auto tls = TlsContext::create(file->tls);
    if (!tls) {
        fail("Failed initializing proxy: " + tls.error().message);
        return;
    }
    banner({{"Configuration mode", "File"},
            {"Config file", cl_.configFile},
            {"Proxy ID", file->config.proxyId}});
    auto authorizer = std::make_shared<StaticAuthorizer>(file->denied);
    auto discovery = std::make_shared<StaticDiscovery>(file->instances);
    startProxies([&] { return authorizer; }, [&] { return discovery; });
    for (auto& p : proxies_) {
        p->setTls(*tls);
        if (auto st = p->setConfig(file->config); !st) {
            fail("Failed initializing proxy: " + st.error().message);
            return;
        }
    }
}

void ProxyProgram::startProxies(const std::function<std::shared_ptr<Authorizer>()>& authorizer,
                                const std::function<std::shared_ptr<Discovery>()>& discovery) {
    for (int i = 0; i < cl_.workers; ++i) {
        Proxy::Options options;
        options.reusePort = cl_.workers > 1;
        options.lifecycleLogs = i == 0;
        if (i == 0 && options_.onPublicListener) {
            // One loop speaks for all: they bind the same ports with SO_REUSEPORT.
            options.onPublicListener = [this](const Status& status, const std::string& address) {
                publicListener(status, address);
            };
        }
        proxies_.push_back(std::make_unique<Proxy>(*log_, authorizer(), discovery(), options));
        proxies_.back()->start();
    }
}

void ProxyProgram::publicListener(const Status& status, const std::string& address) {
    const int now = status ? 1 : 2;
    if (publicReported_.exchange(now) == now) {
        return;  // a reconfiguration that kept the listener, or the same failure on a retry
    }
    options_.onPublicListener(status.ok(), status ? address : status.error().message);
}

void ProxyProgram::lookUpAgent() {
    if (stopRequested_) {
        return;  // a stop that came first: the loop only drains its queue on the way out
    }
    if (!client_) {
        MeshConfig config;
        if (auto st = config.applyEnvironment(); !st) {
            fail("Error preparing configuration: " + st.error().message);
            return;
        }
        if (!cl_.httpAddr.empty()) {
            auto endpoint = AgentEndpoint::parse(cl_.httpAddr);
            if (!endpoint) {
                fail("Error preparing configuration: " + endpoint.error().message);
                return;
            }
            config.agent = *endpoint;
        }
        if (!cl_.token.empty()) {
            config.token = cl_.token;
        }
        auto client = AgentHttpClient::create(config);
        if (!client) {
            fail("Error connecting to Consul agent: " + client.error().message);
            return;
        }
        client_ = std::move(*client);
    }
    if (!cl_.proxyId.empty()) {
        startAgentMode(cl_.proxyId);
        return;
    }
    // Only the sidecar candidates (sidecarFilter says why); the whole listing when the filter
    // finds none (a case-insensitive match, or an agent that cannot filter), so the answer and
    // the error words stay Consul's.
    auto services = client_->call(consul::endpoints::agentServices(sidecarFilter(cl_.sidecarFor)));
    if (services && services->empty()) {
        services = client_->call(consul::endpoints::agentServices());
    } else if (!services && services.error().code != Code::AgentUnreachable) {
        services = client_->call(consul::endpoints::agentServices());
    }
    if (!services && services.error().code == Code::AgentUnreachable) {
        // The agent may start after its sidecars: keep trying, with growing pauses.
        auto delay =
            std::min(options_.retryMax, options_.retryInitial * (1 << std::min(retries_, 6)));
        ++retries_;
        std::string retryIn = std::to_string(delay.count()) + "ms";
        log_->error("proxy", "cannot reach the agent, retrying",
                    {{"error", services.error().message}, {"retry_in", retryIn}});
        control_.runAfter(delay, [this] { lookUpAgent(); });
        return;
    }
    if (!services) {
        fail("Error preparing configuration: " + services.error().message);
        return;
    }
    auto proxyId = findSidecarProxyId(*services, cl_.sidecarFor);
    if (!proxyId) {
        fail("Error preparing configuration: " + proxyId.error().message);
        return;
    }
    startAgentMode(*proxyId);
}

void ProxyProgram::startAgentMode(const std::string& proxyId) {
    std::vector<std::pair<std::string, std::string>> mode = {{"Configuration mode", "Agent API"}};
    if (cl_.proxyId.empty()) {
        mode.emplace_back("Sidecar for ID", cl_.sidecarFor);
    }
    mode.emplace_back("Proxy ID", proxyId);
    banner(mode);

    auto authorizer = std::make_shared<ConsulAuthorizer>(*client_);
    // One discovery per loop: each keeps its own watch, so no loop waits on another.
    startProxies([&] { return authorizer; },
                 [&] { return std::make_shared<ConsulDiscovery>(*client_, *log_); });
    configWatcher_ = std::make_unique<ConfigWatcher>(
        *client_, *log_, proxyId,
        [this](const ProxyConfig& config) { control_.post([this, config] { onConfig(config); }); });
    configWatcher_->start();
}

void ProxyProgram::onConfig(const ProxyConfig& config) {
    for (auto& p : proxies_) {
        if (auto st = p->setConfig(config); !st) {
            log_->error("proxy", "invalid proxy configuration", {{"error", st.error().message}});
            return;
        }
    }
    // The leaf names the proxied service; a new name needs a new leaf watch.
    if (!certificates_ || certificates_->service() != config.proxiedServiceName) {
        certificates_.reset();
        certificates_ = std::make_unique<CertificateWatcher>(
            *client_, *log_, config.proxiedServiceName,
            [this](std::shared_ptr<const TlsContext> tls) {
                for (auto& p : proxies_) {
                    p->setTls(tls);
                }
            },
            options_.sharedRoots);
        certificates_->start();
    }
}

}  // namespace meshx::proxy
