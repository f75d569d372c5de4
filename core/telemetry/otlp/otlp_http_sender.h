#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace meshx::telemetry::otlp {

// Posts OTLP/HTTP JSON bodies to one endpoint with libcurl, reusing its connection (keep-alive).
// Used by the exporter's own thread only: one thread at a time, blocking up to `timeout`.
//
// Secrets: the headers (auth tokens) are sent, never returned; an error message never holds a
// header value nor the endpoint's user:password (OtlpConfig::redactUrl).
class OtlpHttpSender {
  public:
    enum class Outcome {
        Accepted,   // 2xx
        Retryable,  // no connection, timeout, 429, 502, 503, 504: try the same batch later
        Rejected,   // any other status: the collector will never take this batch
    };
    struct Reply {
        Outcome outcome = Outcome::Accepted;
        long status = 0;     // HTTP status, 0 when no reply came
        std::string detail;  // why, in words, for the one report; empty when accepted
    };

    OtlpHttpSender(std::string url, std::vector<std::pair<std::string, std::string>> headers,
                   std::chrono::milliseconds timeout);
    ~OtlpHttpSender();
    OtlpHttpSender(const OtlpHttpSender&) = delete;
    OtlpHttpSender& operator=(const OtlpHttpSender&) = delete;

    // One POST of `body` (application/json). Exporter thread.
    Reply post(const std::string& body);

  private:
    // What both definitions of post() share, in otlp_http_reply.cpp (which uses no libcurl):
    // `text` with every header value replaced by "***"; and the reply a collector's status
    // means (2xx accepted; 429, 502, 503, 504 retryable; others rejected).
    std::string redact(std::string text) const;
    static Reply replyForStatus(long status);

    std::string url_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::chrono::milliseconds timeout_;
    void* curl_ = nullptr;        // CURL*, reused across posts
    void* headerList_ = nullptr;  // curl_slist*
};

}  // namespace meshx::telemetry::otlp
