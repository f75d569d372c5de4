#include "agent/ca/connect_ca.h"

#include <openssl/rand.h>

#include <algorithm>
#include <mutex>
#include <random>

#include "agent/ca/cert_text.h"
#include "agent/ca/openssl_handles.h"

namespace meshx::agent {

using namespace ossl;

namespace {

constexpr std::chrono::seconds kBackdate{60};  // validity starts in the past: clock skew
constexpr std::chrono::hours kMaxLeafTtl{8760};
constexpr std::size_t kMaxCommonName = 64;  // X.520 upper bound for CN

using Clock = std::chrono::system_clock;

Clock::time_point wholeSeconds(Clock::time_point t) {
    return std::chrono::floor<std::chrono::seconds>(t);
}

bool isUuid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// Every path segment of a SPIFFE URI must be non-empty and free of '/'.
Status checkSegment(std::string_view what, std::string_view value) {
    if (value.empty() || value.find('/') != std::string_view::npos) {
        return makeError(Code::InvalidArgument,
                         std::string(what) + " must be non-empty and contain no '/'");
    }
    return {};
}

Status setValidity(X509* cert, Clock::time_point from, Clock::time_point to) {
    if (!ASN1_TIME_set(X509_getm_notBefore(cert), Clock::to_time_t(from)) ||
        !ASN1_TIME_set(X509_getm_notAfter(cert), Clock::to_time_t(to))) {
        return lastError("setting certificate validity failed");
    }
    return {};
}

Status setCommonName(X509* cert, std::string_view cn, X509* issuer) {
    X509NamePtr name(X509_NAME_new());
    if (!name) {
        return lastError("X509_NAME allocation failed");
    }
    if (!cn.empty() &&
        !X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(cn.data()),
                                    static_cast<int>(cn.size()), -1, 0)) {
        return lastError("setting the subject CN failed");
    }
    if (!X509_set_subject_name(cert, name.get())) {
        return lastError("setting the subject failed");
    }
    const X509_NAME* issuerName = issuer ? X509_get_subject_name(issuer) : name.get();
    if (!X509_set_issuer_name(cert, issuerName)) {
        return lastError("setting the issuer failed");
    }
    return {};
}

// Extensions given in OpenSSL's config syntax (only for fixed texts: no user data in them).
Status addConfExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || !X509_add_ext(cert, ext.get(), -1)) {
        return lastError("adding extension " + std::string(OBJ_nid2sn(nid)) + " failed");
    }
    return {};
}

// The URI SAN is built as a structure, not config text, so no character of a service name can
// change its meaning.
Status addUriSan(X509* cert, const std::string& uri, bool critical) {
    GeneralNamesPtr names(GENERAL_NAMES_new());
    GeneralNamePtr name(GENERAL_NAME_new());
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    if (!names || !name || !value ||
        !ASN1_STRING_set(value, uri.data(), static_cast<int>(uri.size()))) {
        ASN1_IA5STRING_free(value);
        return lastError("building the URI SAN failed");
    }
    GENERAL_NAME_set0_value(name.get(), GEN_URI, value);  // name owns value now
    if (!sk_GENERAL_NAME_push(names.get(), name.get())) {
        return lastError("building the URI SAN failed");
    }
    name.release();  // names owns it now
    if (!X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), critical ? 1 : 0,
                           X509V3_ADD_DEFAULT)) {
        return lastError("adding the URI SAN failed");
    }
    return {};
}

Status addKeyIdentifiers(X509* cert, const std::vector<std::uint8_t>& subjectKeyId,
                         const std::vector<std::uint8_t>& authorityKeyId) {
    OctetStringPtr ski(ASN1_OCTET_STRING_new());
    if (!ski ||
        !ASN1_OCTET_STRING_set(ski.get(), subjectKeyId.data(),
                               static_cast<int>(subjectKeyId.size())) ||
        !X509_add1_ext_i2d(cert, NID_subject_key_identifier, ski.get(), 0, X509V3_ADD_DEFAULT)) {
        return lastError("adding the subject key identifier failed");
    }
    AuthorityKeyIdPtr aki(AUTHORITY_KEYID_new());
    if (!aki) {
        return lastError("adding the authority key identifier failed");
    }
    aki->keyid = ASN1_OCTET_STRING_new();
    if (!aki->keyid ||
        !ASN1_OCTET_STRING_set(aki->keyid, authorityKeyId.data(),
                               static_cast<int>(authorityKeyId.size())) ||
        !X509_add1_ext_i2d(cert, NID_authority_key_identifier, aki.get(), 0, X509V3_ADD_DEFAULT)) {
        return lastError("adding the authority key identifier failed");
    }
    return {};
}

// Runs certificate-building steps in order and stops at the first failure.
template <typename... Steps>
Status inOrder(Steps&&... steps) {
    Status st;
    (void)((st = steps(), st.ok()) && ...);
    return st;
}

// Key, certificate and derived data of one root.
struct RootMaterial {
    PkeyPtr key;
    X509Ptr cert;
    std::vector<std::uint8_t> keyId;
    ConnectCaRoot info;
};

Result<RootMaterial> makeRoot(const std::string& clusterId, const std::string& trustDomain,
                              std::uint64_t serial, Clock::time_point now) {
    RootMaterial root;
    auto key = generateP256Key();
    if (!key) {
        return key.error();
    }
    root.key = std::move(*key);
    auto keyId = consulKeyId(root.key.get());
    if (!keyId) {
        return keyId.error();
    }
    root.keyId = std::move(*keyId);

    root.cert.reset(X509_new());
    X509* cert = root.cert.get();
    const Clock::time_point notBefore = wholeSeconds(now) - kBackdate;
    const Clock::time_point notAfter = wholeSeconds(now) + ConnectCa::kRootLifetime;
    if (!cert || !X509_set_version(cert, X509_VERSION_3) ||
        !ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial) ||
        !X509_set_pubkey(cert, root.key.get())) {
        return lastError("building the root certificate failed");
    }
    const std::string uri = "spiffe://" + trustDomain;
    const Status built = inOrder(
        [&] { return setValidity(cert, notBefore, notAfter); },
        [&] { return setCommonName(cert, "Consul CA " + std::to_string(serial), nullptr); },
        [&] { return addConfExtension(cert, nullptr, NID_basic_constraints, "critical,CA:TRUE"); },
        [&] {
            return addConfExtension(cert, nullptr, NID_key_usage,
                                    "critical,digitalSignature,keyCertSign,cRLSign");
        },
        [&] { return addUriSan(cert, uri, false); },
        [&] {
            return addConfExtension(cert, nullptr, NID_name_constraints,
                                    "critical,permitted;DNS:" + trustDomain);
        },
        [&] { return addKeyIdentifiers(cert, root.keyId, root.keyId); });
    if (!built) {
        return built.error();
    }
    if (X509_sign(cert, root.key.get(), EVP_sha256()) <= 0) {
        return lastError("signing the root certificate failed");
    }
    auto pem = certificatePem(cert);
    auto der = certificateDer(cert);
    if (!pem) {
        return pem.error();
    }
    if (!der) {
        return der.error();
    }
    ConnectCaRoot& info = root.info;
    info.id = colonHex(sha1(*der));
    info.serialNumber = serial;
    info.signingKeyId = colonHex(root.keyId);
    info.trustDomain = trustDomain;
    info.externalTrustDomain = clusterId;
    info.notBefore = notBefore;
    info.notAfter = notAfter;
    info.rootCertPem = std::move(*pem);
    info.active = true;
    return root;
}

// Consul's trust domain: "<cluster id>.consul" (the cluster ID was validated as a UUID, so it is
// a valid DNS name for the root's name constraint).
std::string trustDomainFor(const std::string& clusterId) {
    return clusterId + ".consul";
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string ConnectCaRoot::notBeforeText() const {
    return formatRfc3339(notBefore);
}
std::string ConnectCaRoot::notAfterText() const {
    return formatRfc3339(notAfter);
}
std::string ConnectCaLeaf::validAfterText() const {
    return formatRfc3339(validAfter);
}
std::string ConnectCaLeaf::validBeforeText() const {
    return formatRfc3339(validBefore);
}

Clock::time_point ConnectCaLeaf::renewAt(double uniform) const {
    const double u = std::clamp(uniform, 0.0, 1.0);
    const auto lifetime = validBefore - validAfter;
    if (lifetime <= Clock::duration::zero()) {
        return validAfter;
    }
    // Rounded, not truncated: 0.6 + 0.3 is 0.8999... in binary.
    const auto offset =
        std::chrono::round<Clock::duration>(std::chrono::duration<double, Clock::period>(
            static_cast<double>(lifetime.count()) * (0.6 + 0.3 * u)));
    return validAfter + offset;
}

Clock::time_point ConnectCaLeaf::renewAt() const {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return renewAt(std::uniform_real_distribution<double>(0.0, 1.0)(engine));
}

// ---------------------------------------------------------------------------------------------

struct ConnectCa::Impl {
    std::string clusterId;
    std::string trustDomain;
    std::string datacenter;

    mutable std::mutex mutex;  // guards everything below
    std::uint64_t lastSerial = 0;
    RootMaterial active;
    std::vector<ConnectCaRoot> previous;  // earlier roots, newest first

    std::uint64_t nextSerial() { return ++lastSerial; }
};

ConnectCa::ConnectCa(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConnectCa::ConnectCa(ConnectCa&&) noexcept = default;
ConnectCa& ConnectCa::operator=(ConnectCa&&) noexcept = default;
ConnectCa::~ConnectCa() = default;

Result<ConnectCa> ConnectCa::create(std::string_view clusterId, std::string_view datacenter) {
    if (!isUuid(clusterId)) {
        return makeError(Code::InvalidArgument, "cluster ID must be a UUID");
    }
    if (Status st = checkSegment("datacenter", datacenter); !st) {
        return st.error();
    }
    auto impl = std::make_unique<Impl>();
    impl->clusterId = lowercase(clusterId);
    impl->trustDomain = trustDomainFor(impl->clusterId);
    impl->datacenter = std::string(datacenter);
    auto root = makeRoot(impl->clusterId, impl->trustDomain, impl->nextSerial(), Clock::now());
    if (!root) {
        return root.error();
    }
    impl->active = std::move(*root);
    return ConnectCa(std::move(impl));
}

std::string ConnectCa::newClusterId() {
    std::uint8_t b[16];
    if (RAND_bytes(b, sizeof b) != 1) {
        // RAND_bytes only fails without an entropy source; std::random_device is the fallback.
        std::random_device rd;
        for (auto& byte : b) {
            byte = static_cast<std::uint8_t>(rd());
        }
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    std::string hex = colonHex(b);
    hex.erase(std::remove(hex.begin(), hex.end(), ':'), hex.end());
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
}

const std::string& ConnectCa::clusterId() const {
    return impl_->clusterId;
}
const std::string& ConnectCa::trustDomain() const {
    return impl_->trustDomain;
}
const std::string& ConnectCa::datacenter() const {
    return impl_->datacenter;
}

ConnectCaRoot ConnectCa::activeRoot() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->active.info;
}
std::string ConnectCa::rootPem() const {
    return activeRoot().rootCertPem;
}
std::string ConnectCa::rootId() const {
    return activeRoot().id;
}
std::string ConnectCa::signingKeyId() const {
    return activeRoot().signingKeyId;
}
std::uint64_t ConnectCa::rootSerialNumber() const {
    return activeRoot().serialNumber;
}

std::vector<ConnectCaRoot> ConnectCa::roots() const {
    const auto now = Clock::now();
    std::lock_guard lock(impl_->mutex);
    std::vector<ConnectCaRoot> out{impl_->active.info};
    for (const ConnectCaRoot& root : impl_->previous) {
        if (root.notAfter > now) {
            out.push_back(root);
        }
    }
    return out;
}

Result<ConnectCaRoot> ConnectCa::rotate() {
    std::lock_guard lock(impl_->mutex);
    auto root = makeRoot(impl_->clusterId, impl_->trustDomain, impl_->nextSerial(), Clock::now());
    if (!root) {
        return root.error();
    }
    impl_->active.info.active = false;
    impl_->previous.insert(impl_->previous.begin(), impl_->active.info);
    impl_->active = std::move(*root);
    return impl_->active.info;
}

Result<ConnectCaLeaf> ConnectCa::issueLeaf(std::string_view service, std::string_view datacenter,
                                           std::chrono::seconds ttl) {
    if (Status st = checkSegment("service name", service); !st) {
        return st.error();
    }
    if (Status st = checkSegment("datacenter", datacenter); !st) {
        return st.error();
    }
    return issueLeaf(
        SpiffeId::forService(impl_->trustDomain, std::string(datacenter), std::string(service)),
        ttl);
}

Result<ConnectCaLeaf> ConnectCa::issueLeaf(const SpiffeId& identity, std::chrono::seconds ttl) {
    if (identity.kind != SpiffeId::Kind::Service) {
        return makeError(Code::InvalidArgument, "leaf certificates are issued to services");
    }
    for (const auto& [what, value] :
         {std::pair<std::string_view, std::string_view>{"service name", identity.service},
          {"datacenter", identity.datacenter},
          {"namespace", identity.ns},
          {"trust domain", identity.trustDomain}}) {
        if (Status st = checkSegment(what, value); !st) {
            return st.error();
        }
    }
    if (ttl <= std::chrono::seconds::zero() || ttl > kMaxLeafTtl) {
        return makeError(Code::InvalidArgument, "leaf TTL must be positive and at most 8760h");
    }

    // Key generation is the slow part; it needs no shared state.
    auto key = generateP256Key();
    if (!key) {
        return key.error();
    }
    auto leafKeyId = consulKeyId(key->get());
    if (!leafKeyId) {
        return leafKeyId.error();
    }
    auto keyPem = ecPrivateKeyPem(key->get());
    if (!keyPem) {
        return keyPem.error();
    }
    const std::string uri = identity.uri();
    // A subject must not be empty unless the SAN is critical (RFC 5280); long names get the
    // empty subject newer Consul versions use for everyone.
    const bool useCommonName = identity.service.size() <= kMaxCommonName;

    std::lock_guard lock(impl_->mutex);
    const RootMaterial& root = impl_->active;
    const std::uint64_t serial = impl_->nextSerial();
    const auto now = wholeSeconds(Clock::now());
    const Clock::time_point validAfter = now - kBackdate;
    const Clock::time_point validBefore = std::min(now + ttl, root.info.notAfter);

    X509Ptr cert(X509_new());
    X509* c = cert.get();
    if (!c || !X509_set_version(c, X509_VERSION_3) ||
        !ASN1_INTEGER_set_uint64(X509_get_serialNumber(c), serial) ||
        !X509_set_pubkey(c, key->get())) {
        return lastError("building the leaf certificate failed");
    }
    X509* issuer = root.cert.get();
    const Status built = inOrder(
        [&] { return setValidity(c, validAfter, validBefore); },
        [&] {
            return setCommonName(c, useCommonName ? identity.service : std::string_view(), issuer);
        },
        [&] { return addConfExtension(c, issuer, NID_basic_constraints, "critical,CA:FALSE"); },
        [&] {
            return addConfExtension(
                c, issuer, NID_key_usage,
                "critical,digitalSignature,keyEncipherment,dataEncipherment,keyAgreement");
        },
        [&] { return addConfExtension(c, issuer, NID_ext_key_usage, "serverAuth,clientAuth"); },
        [&] { return addUriSan(c, uri, !useCommonName); },
        [&] { return addKeyIdentifiers(c, *leafKeyId, root.keyId); });
    if (!built) {
        return built.error();
    }
    if (X509_sign(c, root.key.get(), EVP_sha256()) <= 0) {
        return lastError("signing the leaf certificate failed");
    }
    auto pem = certificatePem(c);
    if (!pem) {
        return pem.error();
    }
    ConnectCaLeaf leaf;
    leaf.serial = serial;
    leaf.serialNumber = serialColonHex(serial);
    leaf.certPem = std::move(*pem);
    leaf.privateKeyPem = std::move(*keyPem);
    leaf.service = identity.service;
    leaf.serviceUri = uri;
    leaf.validAfter = validAfter;
    leaf.validBefore = validBefore;
    leaf.rootId = root.info.id;
    return leaf;
}

}  // namespace meshx::agent
