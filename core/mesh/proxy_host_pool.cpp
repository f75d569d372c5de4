#include "mesh/proxy_host_pool.h"

#include "mesh/proxy_host_process.h"
#include "telemetry/tap/tap_protocol.h"

namespace meshx::mesh {

ProxyHostPool::ProxyHostPool(std::string tapAddress, QObject* parent)
    : QObject(parent), tapAddress_(std::move(tapAddress)) {}

ProxyHostPool::~ProxyHostPool() {
    for (auto& [program, host] : hosts_) {
        delete host;  // ends its process
    }
}

ProxyHostProcess* ProxyHostPool::host(const std::string& program, QProcessEnvironment env) {
    auto it = hosts_.find(program);
    if (it != hosts_.end()) {
        return it->second;
    }
    // One tap for the whole host; a sidecar's own tap variable would name its socket only.
    const QString tapVar = QString::fromLatin1(telemetry::kTapListenEnv);
    if (env.value(tapVar) != QStringLiteral("off")) {
        env.insert(tapVar, tapAddress_.empty() ? QStringLiteral("tcp://127.0.0.1:0")
                                               : QString::fromStdString(tapAddress_));
    }
    auto* h = new ProxyHostProcess(program, env, this);
    hosts_[program] = h;
    return h;
}

void ProxyHostPool::endIdle(std::chrono::milliseconds timeout) {
    for (auto& [program, host] : hosts_) {
        host->endIfIdle(timeout);
    }
}

}  // namespace meshx::mesh
