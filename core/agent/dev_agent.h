#pragma once

#include <memory>
#include <string>

#include "agent/agent_config.h"
#include "agent/agent_log.h"
#include "net/address.h"

class QObject;
class QThread;

namespace meshx::agent {

class AgentCore;
class Clock;

// The embedded dev agent: a faithful subset of Consul's HTTP API served from its own thread
// (a Qt event loop; hundreds of blocking queries park without a thread each). The console runs
// one in-process when CONSUL_HTTP_ADDR is unset; `meshx-agent` runs one as a program.
//
//   DevAgent agent(config);
//   auto addr = agent.start(net::Address::tcp("127.0.0.1", 0));  // -> tcp://127.0.0.1:PORT
//   ... CONSUL_HTTP_ADDR=http://127.0.0.1:PORT ...
//   agent.stop();
//
// Needs a QCoreApplication. start()/stop() from any one thread other than the agent's own.
class DevAgent {
  public:
    explicit DevAgent(AgentConfig config = {}, AgentLog::Sink logSink = AgentLog::stderrSink());
    ~DevAgent();
    DevAgent(const DevAgent&) = delete;
    DevAgent& operator=(const DevAgent&) = delete;

    // Starts the agent thread and serves HTTP on `address` (TCP host:port, port 0 picks a free
    // one; or a unix socket path). Returns the bound address. Errors: AlreadyStarted, IoError
    // (cannot bind), InvalidArgument (bad host).
    Result<net::Address> start(const net::Address& address);
    // Stops serving and joins the thread; parked queries are dropped. Idempotent.
    void stop();

    bool isRunning() const { return core_ != nullptr; }
    const net::Address& address() const { return address_; }
    const AgentConfig& config() const { return config_; }
    const std::string& nodeName() const { return nodeName_; }
    const std::string& nodeId() const { return nodeId_; }
    const std::string& trustDomain() const { return trustDomain_; }

    // `http://127.0.0.1:8500` or `unix:///path`: what CONSUL_HTTP_ADDR should be set to.
    std::string httpAddress() const;
    // The multi-line start banner (`    HTTP address: http://127.0.0.1:PORT` among its lines).
    std::string banner() const;

  private:
    void joinThread();

    AgentConfig config_;
    std::unique_ptr<AgentLog> log_;
    std::unique_ptr<Clock> clock_;
    QThread* thread_ = nullptr;
    QObject* anchor_ = nullptr;
    AgentCore* core_ = nullptr;
    net::Address address_;
    std::string nodeName_;
    std::string nodeId_;
    std::string trustDomain_;
};

}  // namespace meshx::agent
