#include "telemetry/otlp/otlp_http_sender.h"

#include <curl/curl.h>

#include <mutex>

#include "meshx/version.h"
#include "telemetry/otlp/otlp_config.h"

namespace meshx::telemetry::otlp {

namespace {

std::once_flag gCurlInit;

size_t discardBody(char*, size_t size, size_t count, void*) {
    return size * count;  // the reply body may echo what we sent; it is never kept
}

}  // namespace

OtlpHttpSender::OtlpHttpSender(std::string url,
                               std::vector<std::pair<std::string, std::string>> headers,
                               std::chrono::milliseconds timeout)
    : url_(std::move(url)), headers_(std::move(headers)), timeout_(timeout) {
    std::call_once(gCurlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
    // No "Expect: 100-continue" (libcurl adds it to bodies over 1 KiB and then waits up to a
    // second for a 100 that many receivers never send).
    list = curl_slist_append(list, "Expect:");
    for (const auto& [k, v] : headers_)
        list = curl_slist_append(list, (k + ": " + v).c_str());
    headerList_ = list;
}

OtlpHttpSender::~OtlpHttpSender() {
    if (curl_ != nullptr)
        curl_easy_cleanup(static_cast<CURL*>(curl_));
    curl_slist_free_all(static_cast<curl_slist*>(headerList_));
}

OtlpHttpSender::Reply OtlpHttpSender::post(const std::string& body) {
    if (curl_ == nullptr)
        curl_ = curl_easy_init();
    CURL* h = static_cast<CURL*>(curl_);
    if (h == nullptr)
        return {Outcome::Retryable, 0, "libcurl could not start"};
    char errbuf[CURL_ERROR_SIZE] = {0};
    static const std::string kAgent = std::string("meshx-otlp/") + kVersion;
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, kAgent.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(headerList_));
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discardBody);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
        // A broken connection is not reused for the next attempt.
        curl_easy_cleanup(h);
        curl_ = nullptr;
        return {Outcome::Retryable, 0, redact(why)};
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return replyForStatus(status);
}

}  // namespace meshx::telemetry::otlp
