#pragma once

#include <chrono>
#include <map>
#include <string>

#include <QObject>
#include <QProcessEnvironment>

namespace meshx::mesh {

class ProxyHostProcess;

// The engine's `meshx-proxy -host` processes (ProxyHostProcess), one per meshx-proxy binary:
// with `proxy_host: shared`, every built-in sidecar of the engine runs in the host of its binary
// instead of a process of its own (docs/architecture.md, "Proxy host").
//
// Thread: a QObject of the engine's runtime thread; every method is for that thread.
class ProxyHostPool : public QObject {
    Q_OBJECT

  public:
    // `tapAddress`: where the hosts serve their one tap (MESHX_TAP_LISTEN of the host process;
    // every hosted sidecar's registration advertises it), empty for no tap.
    explicit ProxyHostPool(std::string tapAddress, QObject* parent = nullptr);
    ~ProxyHostPool() override;

    // The host of `program` (a resolved meshx-proxy path), made on first use with `env` (the
    // first sidecar's environment; the tap variable is the pool's). Never null.
    ProxyHostProcess* host(const std::string& program, QProcessEnvironment env);
    // endIfIdle(timeout) on every host: no host process is left running without sidecars.
    void endIdle(std::chrono::milliseconds timeout);

    const std::string& tapAddress() const { return tapAddress_; }

  private:
    const std::string tapAddress_;
    std::map<std::string, ProxyHostProcess*> hosts_;  // children of this object
};

}  // namespace meshx::mesh
