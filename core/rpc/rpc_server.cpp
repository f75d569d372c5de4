#include "rpc/rpc_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "rpc/serialize/serializer_registry.h"
#include "rpc/transport/socket_ops.h"

namespace meshx::rpc {

RpcServer::RpcServer(RpcServerOptions options) : options_(std::move(options)) {}

RpcServer::~RpcServer() {
    stop();
}

Status RpcServer::add(std::string name, RpcHandler handler) {
    if (running_)
        return makeError(Code::InvalidState, "add functions before start()");
    if (name.empty() || name.size() > 65535)
        return makeError(Code::InvalidArgument, "bad function name");
    if (!registry_.emplace(std::move(name), std::move(handler)).second) {
        return makeError(Code::InvalidArgument, "function registered twice");
    }
    return {};
}

Status RpcServer::addJson(std::string name, RpcJsonHandler handler) {
    const std::string serializer = options_.serializer;
    return add(std::move(name),
               [handler = std::move(handler), serializer](Payload&& arg) -> RpcResult<Payload> {
                   using Clock = std::chrono::steady_clock;
                   auto& reg = SerializerRegistry::global();
                   const auto t0 = Clock::now();
                   auto value = reg.deserialize(arg.serFlag, arg.bytes);
                   const auto t1 = Clock::now();
                   if (!value)
                       return RpcError{RpcErrc::Serialization, value.error().message};
                   RpcResult<nlohmann::json> out = handler(*value);
                   if (!out)
                       return out.error();
                   Payload p;
                   const auto t2 = Clock::now();
                   auto flag = reg.serialize(serializer, *out, p.bytes);
                   if (!flag)
                       return RpcError{RpcErrc::Serialization, flag.error().message};
                   p.serFlag = *flag;
                   // Reported by the connection as time.dser/time.ser (and taken out of exec).
                   p.dserNs = RpcTelemetry::nanos(t0, t1);
                   p.serNs = RpcTelemetry::nanos(t2, Clock::now());
                   return p;
               });
}

Status RpcServer::start() {
    if (running_)
        return makeError(Code::InvalidState, "server already started");
    if (Status s = options_.finish(); !s)
        return s;
    auto fd = transport::listenOn(options_.address);
    if (!fd)
        return fd.error();
    auto bound = transport::localAddress(*fd, options_.address);
    if (!bound) {
        ::close(*fd);
        return bound.error();
    }
    listenFd_ = *fd;
    bound_ = *bound;
    options_.address = bound_;
    telemetry_ = std::make_unique<RpcTelemetry>(options_, "rpc.server");
    if (telemetry_->enabled())
        telemetry_->publish({"init", "init", "", 0, std::nullopt, "ok", nullptr}, {});
    running_ = true;
    acceptThread_ = std::thread([this] { acceptLoop(); });
    return {};
}

void RpcServer::acceptLoop() {
    while (running_) {
        auto fd = transport::acceptOn(listenFd_);
        if (!fd)
            break;  // the listener was shut down by stop()
        if (options_.address.isTcp() && options_.noDelay)
            transport::setNoDelay(*fd);
        std::lock_guard lock(mutex_);
        reapFinished();
        if (!running_ || slots_.size() >= options_.maxConnections) {
            ::close(*fd);
            continue;
        }
        Slot& slot = slots_.emplace_back();
        slot.connection = std::make_unique<ServerConnection>(*fd, options_, registry_, *telemetry_);
        ServerConnection* conn = slot.connection.get();
        slot.thread = std::thread([conn] { conn->run(); });
    }
}

void RpcServer::reapFinished() {
    for (auto it = slots_.begin(); it != slots_.end();) {
        if (it->connection->finished()) {
            it->thread.join();
            it = slots_.erase(it);
        } else {
            ++it;
        }
    }
}

void RpcServer::stop() {
    if (!running_.exchange(false))
        return;
    ::shutdown(listenFd_, SHUT_RDWR);  // wakes accept()
    acceptThread_.join();
    ::close(listenFd_);
    listenFd_ = -1;
    if (options_.address.isUds())
        ::unlink(options_.address.path().c_str());
    std::list<Slot> slots;
    {
        std::lock_guard lock(mutex_);
        slots.swap(slots_);
    }
    for (Slot& s : slots)
        s.connection->stop();
    for (Slot& s : slots)
        s.thread.join();
}

size_t RpcServer::connectionCount() const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const Slot& s : slots_)
        n += s.connection->finished() ? 0 : 1;
    return n;
}

}  // namespace meshx::rpc
