#pragma once

// A test fake for the broken or unusual HTTP peers the real parts never are: one listening
// socket on 127.0.0.1 that answers every connection with the same canned bytes, over plain TCP
// or TLS, and keeps the head of the last request it read. The real dev agent and OTLP receiver
// never send malformed HTTP, never speak TLS and never show a request's headers, so the
// readers' error paths and the headers they send are checked against this.
//
//   CannedReplyServer agent("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
//   ... send to "http://127.0.0.1:" + std::to_string(agent.port()) ...
//   QVERIFY(agent.lastRequest().starts_with("GET /v1/agent/self HTTP/1.1\r\n"));

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <mutex>
#include <string>
#include <thread>

class CannedReplyServer {
  public:
    // Plain TCP.
    explicit CannedReplyServer(std::string reply) : reply_(std::move(reply)) { listen(); }
    // TLS with this leaf (PEM certificate and key); a handshake that fails closes the connection.
    CannedReplyServer(std::string reply, const std::string& certPem, const std::string& keyPem)
        : reply_(std::move(reply)) {
        tls_ = SSL_CTX_new(TLS_server_method());
        BIO* certBio = BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size()));
        BIO* keyBio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
        X509* cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
        EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
        SSL_CTX_use_certificate(tls_, cert);
        SSL_CTX_use_PrivateKey(tls_, key);
        X509_free(cert);
        EVP_PKEY_free(key);
        BIO_free(certBio);
        BIO_free(keyBio);
        listen();
    }
    CannedReplyServer(const CannedReplyServer&) = delete;
    CannedReplyServer& operator=(const CannedReplyServer&) = delete;
    ~CannedReplyServer() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
        if (tls_ != nullptr) {
            SSL_CTX_free(tls_);
        }
    }

    int port() const { return port_; }
    // The request line and headers of the last connection (up to the blank line).
    std::string lastRequest() {
        std::lock_guard lock(mutex_);
        return lastRequest_;
    }

  private:
    void listen() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd_, 4);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    // One connection at a time until the listening socket is shut down.
    void serve() {
        for (;;) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) {
                return;
            }
            SSL* ssl = nullptr;
            if (tls_ != nullptr) {
                ssl = SSL_new(tls_);
                SSL_set_fd(ssl, c);
            }
            if (ssl == nullptr || SSL_accept(ssl) == 1) {
                answer(c, ssl);
            }
            if (ssl != nullptr) {
                SSL_free(ssl);
            }
            ::close(c);
        }
    }

    void answer(int c, SSL* ssl) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
            const long n =
                ssl != nullptr ? SSL_read(ssl, buf, sizeof buf) : ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) {
                break;
            }
            request.append(buf, static_cast<size_t>(n));
        }
        {
            std::lock_guard lock(mutex_);
            lastRequest_ = request;
        }
        if (ssl != nullptr) {
            SSL_write(ssl, reply_.data(), static_cast<int>(reply_.size()));
            SSL_shutdown(ssl);
        } else {
            ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        }
    }

    std::string reply_;
    SSL_CTX* tls_ = nullptr;
    int fd_ = -1;
    int port_ = 0;
    std::mutex mutex_;
    std::string lastRequest_;
    std::thread thread_;
};
