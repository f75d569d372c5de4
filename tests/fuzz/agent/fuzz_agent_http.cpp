// libFuzzer entry point for the dev agent's HTTP/1.1 request parser (HttpRequestParser over
// Boost.Beast's parser), fed as a connection would feed it.
//
// Input: byte 0 picks how the stream is cut into reads (1..31 bytes, or all at once); the rest is
// the byte stream a client sends. Beyond "no crash, no hang, no leak" it checks properties the
// agent relies on whatever the input:
//   - the requests do not depend on where reads split the stream, nor does the failure status,
//     with one exception that is Beast's by design: a malformed head is reported as soon as it
//     is seen when it came in one read, but only once the whole head (or the head size limit) is
//     in when it came in pieces; so one run may fail with 400 or 505 while the other still waits
//     for the end of the head, or fails with 431 there;
//   - every request has a method and a decoded path starting with '/';
//   - no body is larger than the cap chosen for its path;
//   - after a failure nothing more comes out.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/http_request_parser.h"

using meshx::agent::HttpRequest;
using meshx::agent::HttpRequestParser;
using meshx::agent::HttpResponse;

namespace {

constexpr std::size_t kMaxInput = 64 * 1024;
constexpr uint64_t kKvLimit = 64;
constexpr uint64_t kBodyLimit = 1024;

bool isKv(const HttpRequest& r) {
    return r.path.rfind("/v1/kv/", 0) == 0;
}

HttpRequestParser makeParser() {
    HttpRequestParser::Limits limits;
    limits.maxHeaderBytes = 2048;
    limits.bodyLimit = [](const HttpRequest& r) { return isKv(r) ? kKvLimit : kBodyLimit; };
    limits.tooLarge = [](const HttpRequest&, uint64_t length) {
        return HttpResponse::text(413, std::to_string(length));
    };
    return HttpRequestParser(limits);
}

// What a connection would see, minus 100 Continue (it depends on read boundaries by design).
struct Trace {
    std::vector<std::string> requests;
    int failed = 0;  // the status of the failure

    void drain(HttpRequestParser& parser) {
        using Kind = HttpRequestParser::Outcome::Kind;
        for (auto o = parser.next(); o.kind != Kind::NeedMore; o = parser.next()) {
            if (failed) {
                std::abort();  // nothing may come out after a failure
            }
            if (o.kind == Kind::Fail) {
                if (o.failure.status < 400 || !o.failure.close) {
                    std::abort();
                }
                failed = o.failure.status;
            } else if (o.kind == Kind::Request) {
                const HttpRequest& r = o.request;
                if (r.method.empty() || r.path.empty() || r.path[0] != '/') {
                    std::abort();
                }
                if (r.body.size() > (isKv(r) ? kKvLimit : kBodyLimit)) {
                    std::abort();
                }
                std::string e = r.method + " " + r.path + "?" + r.rawQuery + " " +
                                std::to_string(r.minorVersion) + (r.keepAlive ? "k" : "c");
                for (const auto& [k, v] : r.headers) {
                    e += "\n" + k + ":" + v;
                }
                e += "\n\n" + r.body;
                requests.push_back(std::move(e));
            }
        }
    }
};

// `early` failed on a malformed head that `late` has not finished reading (0: still waiting,
// 431: its head limit came first).
bool headFailureTimingDiffers(int early, int late) {
    return (early == 400 || early == 505) && (late == 0 || late == 431);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > kMaxInput) {
        return 0;
    }
    const std::size_t step = data[0] % 32;  // 0: one read
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

    auto whole = makeParser();
    Trace once;
    whole.append(stream.data(), stream.size());
    once.drain(whole);

    auto pieces = makeParser();
    Trace split;
    for (std::size_t at = 0; at < stream.size();) {
        const std::size_t n = step == 0 ? stream.size() : std::min(step, stream.size() - at);
        pieces.append(stream.data() + at, n);
        split.drain(pieces);
        at += n;
    }
    if (once.requests != split.requests) {
        std::abort();
    }
    if (once.failed != split.failed && !headFailureTimingDiffers(once.failed, split.failed) &&
        !headFailureTimingDiffers(split.failed, once.failed)) {
        std::abort();
    }
    return 0;
}
