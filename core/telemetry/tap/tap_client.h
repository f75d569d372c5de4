#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "net/address.h"
#include "telemetry/tap/tap_stream_reader.h"

namespace meshx::telemetry {

// One connection to a tap: sends `GET /v1/tap?...` and reads the stream with TapStreamReader.
// The socket is non-blocking after connect, so a caller can poll() several clients and merge
// their lines (what `meshx tap --service` does). One thread.
class TapClient {
  public:
    struct Request {
        std::string filter;   // console filter language; URL-encoded here
        std::string sources;  // comma-separated
        std::string token;    // sent as X-Consul-Token when non-empty; never printed
    };

    // Connects (bounded by `timeout`) and sends the request. Errors: IoError, Timeout.
    static Result<TapClient> connect(const net::Address& address, const Request& request,
                                     std::chrono::milliseconds timeout);

    TapClient(TapClient&& other) noexcept;
    TapClient& operator=(TapClient&& other) noexcept;
    TapClient(const TapClient&) = delete;
    TapClient& operator=(const TapClient&) = delete;
    ~TapClient();

    int fd() const { return fd_; }
    const net::Address& address() const { return address_; }
    // Reads what is available (call when fd() is readable) into `lines`. Closed when the tap
    // ended the stream or went away; the reader's error when it answered with a failure.
    Status readAvailable(std::vector<std::string>& lines);
    const TapStreamReader& reader() const { return reader_; }

    // `text` percent-encoded for a query string.
    static std::string urlEncode(const std::string& text);

  private:
    TapClient(int fd, net::Address address) : fd_(fd), address_(std::move(address)) {}

    int fd_ = -1;
    net::Address address_;
    TapStreamReader reader_;
};

}  // namespace meshx::telemetry
