#include "telemetry/tap/tap_stream_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "telemetry/tap/tap_request.h"

namespace meshx::telemetry {

namespace {
// A line longer than this is a broken stream, not a tap line.
constexpr size_t kMaxLine = 16 * 1024 * 1024;
constexpr size_t kMaxErrorBody = 64 * 1024;
}  // namespace

void TapStreamReader::fail(std::string message) {
    failed_ = true;
    error_ = Error{Code::ProtocolError, std::move(message)};
    state_ = State::Done;
}

void TapStreamReader::parseHead(std::string_view head) {
    // "HTTP/1.1 200 OK"
    const size_t sp = head.find(' ');
    if (head.substr(0, 5) != "HTTP/" || sp == std::string_view::npos || head.size() < sp + 4) {
        fail("not an HTTP response");
        return;
    }
    status_ = std::atoi(std::string(head.substr(sp + 1, 3)).c_str());
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    chunked_ = lower.find("\ntransfer-encoding: chunked") != std::string::npos;
    if (status_ != 200) {
        state_ = State::ErrorBody;
    } else {
        state_ = chunked_ ? State::ChunkSize : State::Raw;
    }
}

void TapStreamReader::deliver(std::string_view data) {
    partial_.append(data);
    size_t start = 0;
    for (size_t nl = partial_.find('\n'); nl != std::string::npos;
         nl = partial_.find('\n', start)) {
        lines_.emplace_back(partial_, start, nl - start);
        start = nl + 1;
    }
    partial_.erase(0, start);
    if (partial_.size() > kMaxLine) {
        fail("tap line over " + std::to_string(kMaxLine) + " bytes");
    }
}

void TapStreamReader::append(std::string_view bytes) {
    if (state_ == State::Done) {
        return;
    }
    buffer_.append(bytes);
    for (;;) {
        switch (state_) {
            case State::Head: {
                auto len = TapRequest::headLength(buffer_);
                if (!len) {
                    if (buffer_.size() > 64 * 1024) {
                        fail("response head too large");
                    }
                    return;
                }
                const std::string head = buffer_.substr(0, *len);
                buffer_.erase(0, *len);
                parseHead(head);
                break;
            }
            case State::ChunkSize: {
                const size_t nl = buffer_.find('\n');
                if (nl == std::string::npos) {
                    if (buffer_.size() > 1024) {
                        fail("bad chunk size line");
                    }
                    return;
                }
                char* end = nullptr;
                const unsigned long long size = std::strtoull(buffer_.c_str(), &end, 16);
                if (end == buffer_.c_str()) {
                    fail("bad chunk size line");
                    return;
                }
                buffer_.erase(0, nl + 1);
                if (size == 0) {
                    state_ = State::Done;  // the tap ended the stream
                    return;
                }
                chunkLeft_ = static_cast<size_t>(size);
                state_ = State::ChunkData;
                break;
            }
            case State::ChunkData: {
                if (buffer_.empty()) {
                    return;
                }
                const size_t n = std::min(chunkLeft_, buffer_.size());
                deliver(std::string_view(buffer_).substr(0, n));
                buffer_.erase(0, n);
                chunkLeft_ -= n;
                if (state_ == State::Done) {
                    return;
                }
                if (chunkLeft_ == 0) {
                    state_ = State::ChunkEnd;
                }
                break;
            }
            case State::ChunkEnd: {
                const size_t nl = buffer_.find('\n');
                if (nl == std::string::npos) {
                    return;
                }
                buffer_.erase(0, nl + 1);
                state_ = State::ChunkSize;
                break;
            }
            case State::Raw:
                deliver(buffer_);
                buffer_.clear();
                return;
            case State::ErrorBody:
                if (buffer_.size() > kMaxErrorBody) {
                    buffer_.resize(kMaxErrorBody);
                }
                return;
            case State::Done:
                return;
        }
    }
}

void TapStreamReader::finish() {
    if (state_ == State::ErrorBody) {
        std::string body = buffer_;
        while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) {
            body.pop_back();
        }
        const int status = status_;
        fail("HTTP " + std::to_string(status) + ": " + body);
    } else if (state_ == State::Head) {
        fail("the tap closed the connection before answering");
    }
}

std::vector<std::string> TapStreamReader::takeLines() {
    std::vector<std::string> out;
    out.swap(lines_);
    return out;
}

}  // namespace meshx::telemetry
