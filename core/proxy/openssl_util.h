#pragma once

// Small OpenSSL helpers shared by TlsContext and TlsConnection. Internal to the proxy library:
// the header includes OpenSSL, which only the library's own sources may see.

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace meshx::proxy::ossl {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The first URI SAN of `cert` (Consul reads URIs[0]); empty when there is none.
std::string firstUriSan(X509* cert);

// Serial number as colon-separated lowercase hex (`04:00:00:01`), the ClientCertSerial format.
std::string serialColonHex(X509* cert);

// Drains OpenSSL's thread-local error queue into one line (`...: certificate verify failed`);
// `fallback` when the queue is empty.
std::string drainErrors(const char* fallback);

}  // namespace meshx::proxy::ossl
