#include "telemetry/otlp/rpc_span.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "net/address.h"
#include "telemetry/rpc_record.h"

namespace meshx::telemetry::otlp {

namespace {

// The hash drawn in rpc_span.h over six refs; `input` is a buffer the caller may reuse (no alloc
// once it has grown).
RpcTraceIds deriveIds(std::string& input, const std::string_view (&refs)[6], uint64_t hskRef,
                      uint64_t reqRef) {
    input.assign("meshx-rpc-trace/1\n");
    for (const std::string_view s : refs) {
        input.append(s);
        input += '\n';
    }
    char number[24];
    input.append(number,
                 static_cast<size_t>(std::snprintf(number, sizeof number, "%llu",
                                                   static_cast<unsigned long long>(hskRef))));
    input += '\n';
    input.append(number,
                 static_cast<size_t>(std::snprintf(number, sizeof number, "%llu",
                                                   static_cast<unsigned long long>(reqRef))));
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    RpcTraceIds ids;
    std::copy(digest, digest + 16, ids.traceId.begin());
    std::copy(digest + 16, digest + 24, ids.clientSpanId.begin());
    std::copy(digest + 24, digest + 32, ids.serverSpanId.begin());
    return ids;
}

// The ids of a typed RPC request event, read from its struct: the sampler decides before any
// record or span is built. Null when the event is not a request.
std::optional<RpcTraceIds> typedRequestIds(const RpcEventData& d, bool client) {
    if (!d.reqRef) {
        return std::nullopt;
    }
    // One buffer per thread (the exporter's), so deciding allocates nothing in steady state.
    thread_local std::string input;
    thread_local std::string remoteConn;
    remoteConn.clear();
    if (d.hasRemote) {
        remoteConn = base64Unpadded(d.remoteConnRaw);
    }
    static const RpcEndpoint kNoEndpoint;
    const RpcEndpoint& l = d.local ? *d.local : kNoEndpoint;
    const std::string_view local[3] = {l.connRef, l.nodeRef, l.svcRef};
    const std::string_view remote[3] = {
        remoteConn, d.hasRemote ? std::string_view(d.remoteNodeRef) : std::string_view(),
        d.hasRemote ? std::string_view(d.remoteSvcRef) : std::string_view()};
    const std::string_view(&c)[3] = client ? local : remote;
    const std::string_view(&s)[3] = client ? remote : local;
    const std::string_view refs[6] = {c[0], c[1], c[2], s[0], s[1], s[2]};
    return deriveIds(input, refs, d.hskRef, *d.reqRef);
}

}  // namespace

RpcTraceIds deriveRpcTraceIds(const RpcPeerRefs& client, const RpcPeerRefs& server, uint64_t hskRef,
                              uint64_t reqRef) {
    std::string input;
    const std::string_view refs[6] = {client.connRef, client.nodeRef, client.svcRef,
                                      server.connRef, server.nodeRef, server.svcRef};
    return deriveIds(input, refs, hskRef, reqRef);
}

namespace {

uint64_t nanos(int64_t micros) {
    return micros <= 0 ? 0 : static_cast<uint64_t>(micros) * 1000;
}

SpanEvent message(uint64_t timeNs, const char* type, uint64_t id, int64_t size) {
    return SpanEvent{timeNs,
                     "rpc.message",
                     {{"rpc.message.type", std::string(type)},
                      {"rpc.message.id", static_cast<int64_t>(id)},
                      {"rpc.message.uncompressed_size", size}}};
}

}  // namespace

std::optional<Span> rpcSpan(const Event& event) {
    return rpcSpanIfKept(
        event, [](const TraceId&, bool) { return true; }, nullptr);
}

std::optional<Span> rpcSpanIfKept(const Event& event,
                                  const std::function<bool(const TraceId&, bool)>& keep,
                                  bool* refused) {
    if (event.source != "rpc.client" && event.source != "rpc.server")
        return std::nullopt;
    if (event.name != "call" && event.name != "cast")
        return std::nullopt;
    const bool client = event.source == "rpc.client";
    // A typed event (the RPC's own, off the bus) is sampled from its struct, before the record
    // (a dozen string copies) and the span are built: a sampler that drops most requests costs
    // one hash each.
    std::optional<RpcTraceIds> typedIds;
    if (const RpcEventData* d = event.rpc()) {
        typedIds = typedRequestIds(*d, client);
        if (!typedIds)
            return std::nullopt;
        if (!keep(typedIds->traceId, !client)) {
            if (refused != nullptr)
                *refused = true;
            return std::nullopt;
        }
    }
    const RpcRecord r = RpcRecord::fromEvent(event);
    if (!r.reqRef || !r.hskRef)
        return std::nullopt;
    RpcTraceIds ids;
    if (typedIds) {
        ids = *typedIds;
    } else {
        const RpcPeerRefs local{r.localConn, r.localNode, r.localSvc};
        const RpcPeerRefs remote{r.remoteConn, r.remoteNode, r.remoteSvc};
        ids = client ? deriveRpcTraceIds(local, remote, *r.hskRef, *r.reqRef)
                     : deriveRpcTraceIds(remote, local, *r.hskRef, *r.reqRef);
        if (!keep(ids.traceId, !client)) {
            if (refused != nullptr)
                *refused = true;
            return std::nullopt;
        }
    }
    const std::string& service = client ? r.remoteSvc : r.localSvc;

    Span s;
    s.traceId = ids.traceId;
    if (client) {
        s.spanId = ids.clientSpanId;
        s.kind = SpanKind::Client;
    } else {
        s.spanId = ids.serverSpanId;
        s.parentSpanId = ids.clientSpanId;
        s.remoteParent = true;
        s.kind = SpanKind::Server;
    }
    s.name = service.empty() ? r.fun : service + "/" + r.fun;
    s.endTimeUnixNano = nanos(event.timeUs);
    const uint64_t duration = nanos(std::max<int64_t>(0, r.requestUs()));
    s.startTimeUnixNano = s.endTimeUnixNano > duration ? s.endTimeUnixNano - duration : 0;

    s.attributes.emplace_back("rpc.system", std::string("meshx_rpc"));
    if (!service.empty())
        s.attributes.emplace_back("rpc.service", service);
    s.attributes.emplace_back("rpc.method", r.fun);
    if (auto address = net::Address::parse(r.address); address) {
        if (address->isTcp()) {
            s.attributes.emplace_back("server.address", address->host());
            s.attributes.emplace_back("server.port", static_cast<int64_t>(address->port()));
            s.attributes.emplace_back("network.transport", std::string("tcp"));
        } else {
            s.attributes.emplace_back("server.address", address->path());
            s.attributes.emplace_back("network.transport", std::string("unix"));
        }
    }
    s.attributes.emplace_back("meshx.rpc.kind", r.kind.empty() ? r.event : r.kind);
    s.attributes.emplace_back("meshx.rpc.req_ref", static_cast<int64_t>(*r.reqRef));
    s.attributes.emplace_back("meshx.rpc.hsk_ref", static_cast<int64_t>(*r.hskRef));
    s.attributes.emplace_back("meshx.rpc.conn_ref", r.localConn);
    s.attributes.emplace_back("meshx.rpc.node_ref", r.localNode);
    s.attributes.emplace_back("meshx.rpc.peer.conn_ref", r.remoteConn);
    s.attributes.emplace_back("meshx.rpc.peer.node_ref", r.remoteNode);
    s.attributes.emplace_back("meshx.rpc.peer.svc_ref", r.remoteSvc);
    s.attributes.emplace_back("meshx.rpc.state", r.state);
    s.attributes.emplace_back("meshx.rpc.result", r.result);
    s.attributes.emplace_back("meshx.rpc.ser_us", r.tSer);
    s.attributes.emplace_back("meshx.rpc.dser_us", r.tDser);
    s.attributes.emplace_back("meshx.rpc.exec_us", r.tExec);
    s.attributes.emplace_back("meshx.rpc.send_us", r.tSend);
    s.attributes.emplace_back("meshx.rpc.recv_us", r.tRecv);
    s.attributes.emplace_back("meshx.rpc.blocks.send", r.blocksSend);
    s.attributes.emplace_back("meshx.rpc.blocks.recv", r.blocksRecv);

    // The request goes out and the reply comes back: on the client SENT after serialising,
    // RECEIVED at the end; on the server RECEIVED after the receive time, SENT at the end.
    const uint64_t start = s.startTimeUnixNano;
    if (client) {
        s.events.push_back(message(start + nanos(r.tSer), "SENT", 1, r.sizeSend));
        if (r.sizeRecv > 0)
            s.events.push_back(message(s.endTimeUnixNano, "RECEIVED", 1, r.sizeRecv));
    } else {
        s.events.push_back(message(start + nanos(r.tRecv), "RECEIVED", 1, r.sizeRecv));
        if (r.sizeSend > 0)
            s.events.push_back(message(s.endTimeUnixNano, "SENT", 1, r.sizeSend));
    }

    if (!r.ok() && !r.result.empty()) {
        s.status = StatusCode::Error;
        std::string detail = r.result;
        if (detail.rfind("error: ", 0) == 0)
            detail = detail.substr(7);
        s.statusMessage = detail;
        const size_t cut = detail.find_first_of(": ");
        s.attributes.emplace_back("error.type", detail.substr(0, cut));
    }
    return s;
}

}  // namespace meshx::telemetry::otlp
