#include "agent/dev_agent.h"

#include <QThread>
#include <QUuid>

#include <openssl/crypto.h>

#include "agent/agent_core.h"
#include "agent/clock.h"
#include "common/hostname.h"
#include "meshx/version.h"

namespace meshx::agent {

DevAgent::DevAgent(AgentConfig config, AgentLog::Sink logSink)
    : config_(std::move(config)),
      log_(std::make_unique<AgentLog>(config_.logLevel, std::move(logSink))),
      clock_(std::make_unique<SystemClock>()) {
    if (config_.nodeName.empty()) {
        config_.nodeName = meshx::shortHostname();
    }
    if (config_.nodeId.empty()) {
        config_.nodeId = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    }
    nodeName_ = config_.nodeName;
    nodeId_ = config_.nodeId;
}

DevAgent::~DevAgent() {
    stop();
}

Result<net::Address> DevAgent::start(const net::Address& address) {
    if (core_ != nullptr) {
        return makeError(Code::AlreadyStarted,
                         "the dev agent is already running on " + address_.toString());
    }
    thread_ = new QThread();
    thread_->setObjectName(QStringLiteral("meshx-agent"));
    // OpenSSL keeps per-thread random generators (made by the CA's key generation) that it frees
    // from a thread-exit handler. QThread::wait() can return before that handler has run, and a
    // process that exits right after stop() then never frees them (LeakSanitizer saw it when an
    // agent was stopped moments after it started). Free them in the thread itself, before
    // wait() returns: `finished` is emitted from the finishing thread.
    QObject::connect(
        thread_, &QThread::finished, thread_, [] { OPENSSL_thread_stop(); }, Qt::DirectConnection);
    // Calls into the agent thread go through this object living there.
    anchor_ = new QObject();
    anchor_->moveToThread(thread_);
    thread_->start();
    Result<net::Address> bound = makeError(Code::Internal, "agent thread did not run");
    AgentCore* core = nullptr;
    QMetaObject::invokeMethod(
        anchor_,
        [&] {
            core = new AgentCore(config_, *log_, *clock_, makeConnectCa(config_.datacenter, *log_));
            bound = core->listen(address);
            trustDomain_ = core->trustDomain();
            if (!bound) {
                delete core;
                core = nullptr;
            }
        },
        Qt::BlockingQueuedConnection);
    if (!bound) {
        joinThread();
        return bound;
    }
    core_ = core;
    address_ = *bound;
    return bound;
}

void DevAgent::stop() {
    if (core_ == nullptr) {
        return;
    }
    AgentCore* core = core_;
    core_ = nullptr;
    // The core's sockets and timers belong to the agent thread: delete it there.
    QMetaObject::invokeMethod(
        anchor_, [core] { delete core; }, Qt::BlockingQueuedConnection);
    joinThread();
    log_->log(LogLevel::Info, "agent", "shutdown complete");
}

void DevAgent::joinThread() {
    thread_->quit();
    thread_->wait();
    delete anchor_;  // its thread has finished: safe from here
    anchor_ = nullptr;
    delete thread_;
    thread_ = nullptr;
}

std::string DevAgent::httpAddress() const {
    if (address_.isUds()) {
        return address_.toString();
    }
    return "http://" + address_.hostPort();
}

std::string DevAgent::banner() const {
    std::string b = "==> Meshx dev agent running!\n";
    b += "    Version: " + std::string(meshx::kVersion) + "\n";
    b += "    Node name: " + nodeName_ + "\n";
    b += "    Node ID: " + nodeId_ + "\n";
    b += "    Datacenter: " + config_.datacenter + "\n";
    b += "    Server: true (dev mode)\n";
    b += "    HTTP address: " + httpAddress() + "\n";
    b += std::string("    ACLs: ") + (config_.aclsEnabled() ? "enabled" : "disabled") + "\n";
    b += std::string("    Default intention policy: ") +
         (config_.intentionsDefaultAllow() ? "allow" : "deny") + "\n";
    b += "    Connect trust domain: " + (trustDomain_.empty() ? "-" : trustDomain_) + "\n";
    b += "\n==> Log data will now stream in as it occurs:\n";
    return b;
}

}  // namespace meshx::agent
