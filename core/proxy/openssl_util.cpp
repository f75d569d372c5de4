#include "proxy/openssl_util.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace meshx::proxy::ossl {

std::string firstUriSan(X509* cert) {
    std::string uri;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (names == nullptr) {
        return uri;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_URI) {
            const ASN1_IA5STRING* s = name->d.uniformResourceIdentifier;
            uri.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
            break;
        }
    }
    GENERAL_NAMES_free(names);
    return uri;
}

std::string serialColonHex(X509* cert) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    const unsigned char* data = ASN1_STRING_get0_data(serial);
    for (int i = 0; i < ASN1_STRING_length(serial); ++i) {
        if (!out.empty()) {
            out.push_back(':');
        }
        out.push_back(kHex[data[i] >> 4]);
        out.push_back(kHex[data[i] & 0x0f]);
    }
    return out;
}

std::string drainErrors(const char* fallback) {
    std::string out;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        // Keep only the reason part: `error:0A000086:SSL routines::certificate verify failed`.
        std::string line = buf;
        auto pos = line.rfind(':');
        std::string reason = pos == std::string::npos ? line : line.substr(pos + 1);
        if (!out.empty()) {
            out += "; ";
        }
        out += reason;
    }
    return out.empty() ? std::string(fallback) : out;
}

}  // namespace meshx::proxy::ossl
