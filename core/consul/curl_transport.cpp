#include "consul/curl_transport.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <mutex>

#include <curl/curl.h>

#include "consul/consul_error.h"
#include "consul/url_encoding.h"
#include "meshx/version.h"
#include "net/address.h"

namespace meshx::consul {

namespace {

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// State shared with libcurl's callbacks for one transfer; lives on perform()'s stack.
struct Transfer {
    Response* response = nullptr;
    std::size_t maxBytes = 0;
    bool overflow = false;
    const CancelToken* cancel = nullptr;
    const CancelToken* shutdown = nullptr;

    bool cancelled() const { return cancel->cancelled() || shutdown->cancelled(); }
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    if (t->response->body.size() + n > t->maxBytes) {
        t->overflow = true;
        return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    t->response->body.append(data, n);
    return n;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    std::string_view line(data, n);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
        line.remove_suffix(1);
    }
    if (line.starts_with("HTTP/")) {
        // A new status line (after `100 Continue`): only the final reply's headers count.
        t->response->headers.clear();
        return n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        return n;
    }
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    t->response->headers.emplace_back(std::move(name), std::string(value));
    return n;
}

// Backstop for cancel: the waker interrupts poll(), this aborts a transfer that is busy
// moving bytes when the flag flips.
int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Transfer*>(user)->cancelled() ? 1 : 0;
}

Status checkReadable(const std::string& path, const char* what) {
    if (path.empty()) {
        return {};
    }
    std::ifstream in(path);
    if (!in) {
        return makeError(Code::InvalidArgument,
                         std::string(what) + " '" + path + "' cannot be read");
    }
    return {};
}

std::once_flag gCurlInit;

}  // namespace

Result<std::unique_ptr<CurlTransport>> CurlTransport::create(const MeshConfig& config,
                                                             const ClientOptions& options) {
    std::call_once(gCurlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    // The token goes into a header line verbatim: a control character would let it inject
    // headers. The message does not quote it.
    if (std::any_of(config.token.begin(), config.token.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7F; })) {
        return makeError(Code::InvalidArgument, "ACL token contains control characters");
    }
    if (config.agent.scheme == AgentEndpoint::Scheme::Https) {
        for (auto [path, what] : {std::pair{&config.caCert, "CA certificate"},
                                  std::pair{&config.clientCert, "client certificate"},
                                  std::pair{&config.clientKey, "client key"}}) {
            if (auto st = checkReadable(*path, what); !st) {
                return st.error();
            }
        }
    }
    return std::unique_ptr<CurlTransport>(new CurlTransport(config, options));
}

CurlTransport::CurlTransport(const MeshConfig& config, const ClientOptions& options)
    : config_(config), options_(options), pool_(options.maxIdleHandles) {
    if (options_.userAgent.empty()) {
        options_.userAgent = std::string("meshx/") + kVersion;
    }
    const AgentEndpoint& ep = config_.agent;
    if (ep.scheme == AgentEndpoint::Scheme::Https && !config_.tlsServerName.empty()) {
        // CONSUL_TLS_SERVER_NAME: SNI and certificate checks use the name while the socket
        // goes to the configured host. curl has no "verify as" option; putting the name in
        // the URL and re-routing the connection with CONNECT_TO gives exactly that.
        const std::string port = std::to_string(ep.port);
        baseUrl_ = "https://" + config_.tlsServerName + ":" + port;
        connectTo_ = config_.tlsServerName + ":" + port + ":" +
                     net::Address::tcp(ep.host, ep.port).hostPort();
    } else {
        baseUrl_ = ep.baseUrl();
    }
}

Result<Response> CurlTransport::perform(const Request& request, const CancelToken& shutdown) {
    const std::string what = request.describe();
    if (request.cancel.cancelled() || shutdown.cancelled()) {
        return makeError(Code::Closed, what + ": cancelled");
    }
    auto lease = pool_.acquire();
    if (!lease) {
        return lease.error();
    }
    CURL* h = lease->easy();
    CURLM* multi = lease->multi();
    // Clears the previous request's options; keeps the connection, DNS and TLS session caches.
    curl_easy_reset(h);

    Response response;
    Transfer transfer{&response, options_.maxResponseBytes, false, &request.cancel, &shutdown};
    char errbuf[CURL_ERROR_SIZE] = {0};

    Slist headers;
    auto addHeader = [&headers](const std::string& line) {
        headers.reset(curl_slist_append(headers.release(), line.c_str()));
    };
    if (!config_.token.empty()) {
        addHeader("X-Consul-Token: " + config_.token);
    }
    // curl would announce bodies over 1 MiB with `Expect: 100-continue` and wait for a reply
    // Consul never sends; drop it.
    addHeader("Expect:");
    if (request.body) {
        addHeader("Content-Type: " + request.contentType);
    } else if (request.method != Method::Get && request.method != Method::Delete) {
        addHeader("Content-Type:");  // no form-urlencoded default on an empty PUT
    }
    Slist connectTo;
    if (!connectTo_.empty()) {
        connectTo.reset(curl_slist_append(nullptr, connectTo_.c_str()));
    }

    const std::string fullUrl = baseUrl_ + request.target();
    curl_easy_setopt(h, CURLOPT_URL, fullUrl.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);  // ids are encoded; no dot-segment folding
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.userAgent.c_str());
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every decoder curl has (gzip)
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connectTimeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(request.deadlineWith(options_.requestTimeout).count()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);

    if (config_.agent.scheme == AgentEndpoint::Scheme::Unix) {
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, config_.agent.socketPath.c_str());
    }
    if (config_.agent.scheme == AgentEndpoint::Scheme::Https) {
        if (!config_.caCert.empty()) {
            curl_easy_setopt(h, CURLOPT_CAINFO, config_.caCert.c_str());
        }
        if (!config_.clientCert.empty()) {
            curl_easy_setopt(h, CURLOPT_SSLCERT, config_.clientCert.c_str());
        }
        if (!config_.clientKey.empty()) {
            curl_easy_setopt(h, CURLOPT_SSLKEY, config_.clientKey.c_str());
        }
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config_.tlsVerify ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config_.tlsVerify ? 2L : 0L);
        if (connectTo) {
            curl_easy_setopt(h, CURLOPT_CONNECT_TO, connectTo.get());
        }
    }

    switch (request.method) {
        case Method::Get:
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
            break;
        case Method::Delete:
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
            break;
        case Method::Put:
        case Method::Post: {
            // POSTFIELDS is not copied: point into `request`, which outlives the transfer.
            const char* data = request.body ? request.body->data() : "";
            const auto size = static_cast<curl_off_t>(request.body ? request.body->size() : 0);
            curl_easy_setopt(h, CURLOPT_POST, 1L);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, size);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
            if (request.method == Method::Put) {
                curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
            }
            break;
        }
    }

    CURLcode result = CURLE_OK;
    bool finished = false;
    curl_multi_add_handle(multi, h);
    {
        // Registered only while the transfer runs: a waker must never touch a slot that is
        // back in the pool (or freed).
        auto wakeMulti = [multi] { curl_multi_wakeup(multi); };
        auto onRequestCancel = request.cancel.onCancel(wakeMulti);
        auto onShutdown = shutdown.onCancel(wakeMulti);
        for (;;) {
            int running = 0;
            CURLMcode mc = curl_multi_perform(multi, &running);
            if (mc != CURLM_OK) {
                std::snprintf(errbuf, sizeof errbuf, "%s", curl_multi_strerror(mc));
                result = CURLE_FAILED_INIT;
                finished = true;
                break;
            }
            int queued = 0;
            while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
                if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
                    result = msg->data.result;
                    finished = true;
                }
            }
            if (finished || running == 0 || transfer.cancelled()) {
                break;
            }
            // The timeout only bounds how long a missed wakeup could delay noticing a cancel;
            // curl's own timers wake the poll sooner when they are due.
            mc = curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
            if (mc != CURLM_OK) {
                std::snprintf(errbuf, sizeof errbuf, "%s", curl_multi_strerror(mc));
                result = CURLE_FAILED_INIT;
                finished = true;
                break;
            }
        }
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(multi, h);
    // Drop every pointer into this stack frame (error buffer, header lists, transfer state)
    // before the slot goes back to the pool.
    curl_easy_reset(h);

    if (transfer.cancelled() && (!finished || result != CURLE_OK)) {
        return makeError(Code::Closed, what + ": cancelled");
    }
    if (!finished) {
        return makeError(Code::Internal, what + ": transfer ended without a result");
    }
    if (result != CURLE_OK) {
        if (transfer.overflow) {
            return makeError(Code::ProtocolError, what + ": reply larger than " +
                                                      std::to_string(options_.maxResponseBytes) +
                                                      " bytes");
        }
        std::string message = what + ": " + curl_easy_strerror(result);
        if (errbuf[0] != '\0') {
            message += " (";
            message += errbuf;
            message += ")";
        }
        message += " [agent " + config_.agent.toString() + "]";
        return makeError(Code::AgentUnreachable, redact(std::move(message), config_.token));
    }

    response.status = static_cast<int>(status);
    if (auto index = response.header("x-consul-index"); !index.empty()) {
        auto [ptr, ec] = std::from_chars(index.data(), index.data() + index.size(), response.index);
        if (ec != std::errc() || ptr != index.data() + index.size()) {
            return makeError(Code::ProtocolError, what + ": malformed X-Consul-Index header");
        }
        response.hasIndex = true;
    }
    return response;
}

}  // namespace meshx::consul
