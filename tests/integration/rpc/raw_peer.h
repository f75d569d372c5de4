#pragma once

// A hand-driven MeshxRpc client for fault injection: real socket, real handshake, then whatever
// bytes a test wants to send — including frames no correct client would write.

#include <chrono>
#include <string>

#include "rpc/transport/frame_stream.h"
#include "rpc/transport/socket_ops.h"
#include "rpc/wire/crc32_checksum.h"
#include "rpc/wire/handshake_codec.h"
#include "rpc/wire/outer_framing.h"

namespace meshx::rpc::test {

class RawPeer {
  public:
    std::string connRef = "raw1";
    std::string serverConnRef;

    bool connectAndHandshake(const net::Address& address, uint64_t blk = wire::kDefaultBlkMaxSize,
                             const std::string& key = "") {
        auto fd = transport::connectTo(address, std::chrono::seconds(5));
        if (!fd)
            return false;
        stream_.reset(*fd);
        wire::Handshake h;
        h.hskRef = 7;
        h.connRef = connRef;
        h.blkMaxSize = blk;
        h.svcRef = "raw";
        h.nodeRef = "raw@test";
        if (!stream_
                 .writeFrame(2, wire::encodeHandshake(h, key, wire::Crc32Checksum::instance()),
                             deadline())
                 .ok()) {
            return false;
        }
        wire::ByteView ack;
        if (!stream_.readFrame(2, 0xffff, deadline(), ack).ok() || ack.empty() ||
            ack[0] != wire::flag::kHskAck) {
            return false;
        }
        wire::Handshake a;
        if (wire::decodeHandshake(ack, a) != wire::WireError::Ok)
            return false;
        serverConnRef = a.connRef;
        return true;
    }
    // Sends bytes exactly as given (the test supplies any length prefix).
    bool sendRaw(const wire::Bytes& bytes) {
        iovec v{const_cast<uint8_t*>(bytes.data()), bytes.size()};
        return stream_.writeAll(&v, 1, deadline()).ok();
    }
    bool sendFrame(const wire::Bytes& payload) {
        return stream_.writeFrame(4, payload, deadline()).ok();
    }
    // The next 4-byte frame, or empty with `closed` set when the server closed instead.
    wire::Bytes readFrame(bool& closed) {
        wire::ByteView p;
        auto r = stream_.readFrame(4, 1 << 24, deadline(), p);
        closed = r.status == transport::IoStatus::Closed;
        return r.ok() ? wire::Bytes(p.begin(), p.end()) : wire::Bytes{};
    }
    bool closedByServer() {
        bool closed = false;
        wire::Bytes extra = readFrame(closed);
        return closed && extra.empty();
    }
    void close() { stream_.close(); }

  private:
    static transport::Deadline deadline() {
        return transport::Clock::now() + std::chrono::seconds(10);
    }
    transport::FrameStream stream_;
};

}  // namespace meshx::rpc::test
