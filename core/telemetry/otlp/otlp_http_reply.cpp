// The parts of OtlpHttpSender that do not depend on how the bytes travel: shared by the libcurl
// sender (otlp_http_sender.cpp) and meshx-proxy's socket sender
// (core/proxy/otlp_socket_sender.cpp), so redaction and the meaning of a status are written once.

#include "telemetry/otlp/otlp_http_sender.h"

namespace meshx::telemetry::otlp {

std::string OtlpHttpSender::redact(std::string text) const {
    for (const auto& [k, v] : headers_) {
        if (v.empty())
            continue;
        for (size_t at = text.find(v); at != std::string::npos; at = text.find(v, at))
            text.replace(at, v.size(), "***");
    }
    return text;
}

OtlpHttpSender::Reply OtlpHttpSender::replyForStatus(long status) {
    if (status >= 200 && status < 300)
        return {Outcome::Accepted, status, {}};
    const bool retry = status == 429 || status == 502 || status == 503 || status == 504;
    return {retry ? Outcome::Retryable : Outcome::Rejected, status,
            "HTTP " + std::to_string(status)};
}

}  // namespace meshx::telemetry::otlp
