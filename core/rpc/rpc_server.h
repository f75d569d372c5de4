#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "rpc/rpc_handler.h"
#include "rpc/rpc_options.h"
#include "rpc/rpc_telemetry.h"
#include "rpc/server_connection.h"

namespace meshx::rpc {

// A MeshxRpc-compatible server: listens on a tcp or unix Address, runs one thread per connection
// (blocking sockets: the fastest shape for request/response), and only runs functions registered
// by name — anything else is answered with the original's undef error.
//
//   RpcServer server(options);
//   server.add("echo", [](Payload&& p) -> RpcResult<Payload> { return std::move(p); });
//   server.start();              // listening; server.address() has the real port
//   ...
//   server.stop();               // or destroy it
//
// add() is for before start(); start()/stop()/address() from one owning thread.
class RpcServer {
  public:
    explicit RpcServer(RpcServerOptions options);
    ~RpcServer();
    RpcServer(const RpcServer&) = delete;
    RpcServer& operator=(const RpcServer&) = delete;

    // Registers a function. Errors: InvalidArgument (name used twice, or empty), InvalidState
    // (already started).
    Status add(std::string name, RpcHandler handler);
    // The same over decoded values: the argument is deserialized by its ser_flag, the result
    // serialized with options().serializer.
    Status addJson(std::string name, RpcJsonHandler handler);

    // Binds, listens and starts accepting. Errors: InvalidArgument (options), IoError (bind).
    Status start();
    // Stops accepting, closes every connection (a call in progress is cut off) and joins threads.
    void stop();
    bool running() const { return running_.load(); }

    // The bound address (with the real port when the options said port 0).
    const net::Address& address() const { return bound_; }
    const RpcServerOptions& options() const { return options_; }
    // Connections currently open. Any thread.
    size_t connectionCount() const;

  private:
    struct Slot {
        std::unique_ptr<ServerConnection> connection;
        std::thread thread;
    };

    void acceptLoop();
    void reapFinished();

    RpcServerOptions options_;
    ServerConnection::Registry registry_;
    std::unique_ptr<RpcTelemetry> telemetry_;
    net::Address bound_;
    int listenFd_ = -1;
    std::thread acceptThread_;
    std::atomic<bool> running_{false};
    mutable std::mutex mutex_;
    std::list<Slot> slots_;
};

}  // namespace meshx::rpc
