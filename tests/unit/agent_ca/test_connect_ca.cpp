// ConnectCa: the root and leaves are real certificates that OpenSSL (library and CLI) verifies,
// with exactly the extensions Consul's built-in CA puts in them.

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <atomic>
#include <set>
#include <thread>

#include "agent/ca/cert_text.h"
#include "agent/ca/connect_ca.h"
#include "ca_test_util.h"
#include "meshx_test.h"

using namespace meshx::agent;
using namespace std::chrono_literals;
using meshx::Code;

namespace {

constexpr const char* kCluster = "8d6bd1a5-7a2c-4d0e-9d8a-0f2b6c3e4a51";

ConnectCa makeCa() {
    auto ca = ConnectCa::create(kCluster, "dc1");
    if (!ca) {
        qFatal("ConnectCa::create failed: %s", ca.error().message.c_str());
    }
    return std::move(*ca);
}

bool writeFile(const QString& path, const std::string& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data.data(), static_cast<qint64>(data.size())) ==
                                               static_cast<qint64>(data.size());
}

// `openssl verify` exit code and output, bounded in time.
std::pair<int, QString> opensslVerify(const QStringList& args) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"), QStringList{QStringLiteral("verify")} + args);
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished(5000);
        return {-1, QStringLiteral("timeout")};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAll())};
}

}  // namespace

class TestConnectCa : public QObject {
    Q_OBJECT

  private slots:
    void rootHasConsulShape() {
        ConnectCa ca = makeCa();
        QCOMPARE(ca.trustDomain(), std::string(kCluster) + ".consul");
        const ConnectCaRoot root = ca.activeRoot();
        auto cert = ca_test::parse(root.rootCertPem);
        QVERIFY(cert);
        X509* c = cert.get();

        QCOMPARE(ca_test::commonName(c), "Consul CA " + std::to_string(root.serialNumber));
        QVERIFY(X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(c)) == 0);
        QCOMPARE(X509_get_signature_nid(c), NID_ecdsa_with_SHA256);
        EVP_PKEY* key = X509_get0_pubkey(c);
        char group[64] = {};
        QVERIFY(EVP_PKEY_get_group_name(key, group, sizeof group, nullptr) == 1);
        QCOMPARE(std::string(group), std::string("prime256v1"));
        QCOMPARE(X509_verify(c, key), 1);  // self-signed

        QVERIFY(X509_check_ca(c) >= 1);
        QVERIFY(ca_test::extensionCritical(c, NID_basic_constraints));
        QCOMPARE(X509_get_key_usage(c),
                 std::uint32_t{KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN | KU_CRL_SIGN});
        QVERIFY(ca_test::extensionCritical(c, NID_key_usage));
        QCOMPARE(ossl::uriSans(c), std::vector<std::string>{"spiffe://" + ca.trustDomain()});

        // critical name constraint permitting DNS <trust domain>, nothing else
        QVERIFY(ca_test::extensionCritical(c, NID_name_constraints));
        std::unique_ptr<NAME_CONSTRAINTS, ossl::Deleter<NAME_CONSTRAINTS, NAME_CONSTRAINTS_free>>
            nc(static_cast<NAME_CONSTRAINTS*>(
                X509_get_ext_d2i(c, NID_name_constraints, nullptr, nullptr)));
        QVERIFY(nc && nc->permittedSubtrees);
        QCOMPARE(sk_GENERAL_SUBTREE_num(nc->permittedSubtrees), 1);
        const GENERAL_NAME* base = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, 0)->base;
        QCOMPARE(base->type, GEN_DNS);
        QCOMPARE(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(base->d.dNSName))),
                 ca.trustDomain());
        QVERIFY(nc->excludedSubtrees == nullptr);

        // IDs: SHA-1 of the DER, and the SKI
        auto der = ossl::certificateDer(c);
        QVERIFY(der.ok());
        QCOMPARE(root.id, colonHex(ossl::sha1(*der)));
        QCOMPARE(root.id.size(), std::size_t{59});  // 20 bytes
        const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(c);
        QVERIFY(ski);
        QCOMPARE(ca_test::bytesHex(ski), root.signingKeyId);
        QCOMPARE(ca.rootId(), root.id);
        QCOMPARE(ca.signingKeyId(), root.signingKeyId);

        // validity: from a minute ago for 10 years, second resolution, RFC 3339 texts
        const auto notBefore = ca_test::asTimeT(X509_get0_notBefore(c));
        const auto notAfter = ca_test::asTimeT(X509_get0_notAfter(c));
        QCOMPARE(std::chrono::system_clock::to_time_t(root.notBefore), notBefore);
        QCOMPARE(std::chrono::system_clock::to_time_t(root.notAfter), notAfter);
        QCOMPARE(notAfter - notBefore, std::time_t{87600 * 3600 + 60});
        const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        QVERIFY(notBefore <= now - 59 && notBefore >= now - 120);
        QCOMPARE(root.notBeforeText(), formatRfc3339(root.notBefore));
        QVERIFY(root.notAfterText().size() == 20 && root.notAfterText().back() == 'Z');
        QCOMPARE(root.privateKeyType, std::string("ec"));
        QCOMPARE(root.privateKeyBits, 256);
        QVERIFY(root.active);
        QCOMPARE(root.externalTrustDomain, std::string(kCluster));
    }

    void leafHasConsulShapeAndChainsToRoot() {
        ConnectCa ca = makeCa();
        const auto before = std::chrono::system_clock::now();
        auto leaf = ca.issueLeaf("web", "dc1");
        QVERIFY2(leaf.ok(), leaf.ok() ? "" : leaf.error().message.c_str());
        auto cert = ca_test::parse(leaf->certPem);
        auto root = ca_test::parse(ca.rootPem());
        QVERIFY(cert && root);
        X509* c = cert.get();

        const std::string uri = "spiffe://" + ca.trustDomain() + "/ns/default/dc/dc1/svc/web";
        QCOMPARE(leaf->serviceUri, uri);
        QCOMPARE(leaf->service, std::string("web"));
        // exactly one SAN, and it is that URI
        ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
            X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr)));
        QVERIFY(names);
        QCOMPARE(sk_GENERAL_NAME_num(names.get()), 1);
        QCOMPARE(ossl::uriSans(c), std::vector<std::string>{uri});
        QCOMPARE(ca_test::commonName(c), std::string("web"));

        QCOMPARE(X509_check_ca(c), 0);
        QVERIFY(ca_test::extensionCritical(c, NID_basic_constraints));
        QCOMPARE(X509_get_key_usage(c), std::uint32_t{KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT |
                                                      KU_DATA_ENCIPHERMENT | KU_KEY_AGREEMENT});
        QVERIFY(ca_test::extensionCritical(c, NID_key_usage));
        QCOMPARE(X509_get_extended_key_usage(c), std::uint32_t{XKU_SSL_CLIENT | XKU_SSL_SERVER});
        const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(c);
        QVERIFY(aki);
        QCOMPARE(ca_test::bytesHex(aki), ca.signingKeyId());
        QVERIFY(ca_test::hasExtension(c, NID_subject_key_identifier));
        QCOMPARE(X509_get_signature_nid(c), NID_ecdsa_with_SHA256);

        // chain: plain, as a TLS client and as a TLS server
        QCOMPARE(ca_test::verify(c, {root.get()}), X509_V_OK);
        QCOMPARE(ca_test::verify(c, {root.get()}, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
        QCOMPARE(ca_test::verify(c, {root.get()}, X509_PURPOSE_SSL_SERVER), X509_V_OK);

        // validity: a minute in the past, TTL ahead; texts agree
        const auto notBefore = ca_test::asTimeT(X509_get0_notBefore(c));
        const auto notAfter = ca_test::asTimeT(X509_get0_notAfter(c));
        QCOMPARE(notAfter - notBefore, std::time_t{72 * 3600 + 60});
        const auto t0 = std::chrono::system_clock::to_time_t(before);
        QVERIFY(notBefore >= t0 - 61 && notBefore <= t0 - 59 + 5);
        QCOMPARE(std::chrono::system_clock::to_time_t(leaf->validAfter), notBefore);
        QCOMPARE(leaf->validBeforeText(), formatRfc3339(leaf->validBefore));
        QCOMPARE(*parseRfc3339(leaf->validAfterText()), leaf->validAfter);

        // the key: SEC1 PEM, EC P-256, and it belongs to the certificate
        QVERIFY(leaf->privateKeyPem.rfind("-----BEGIN EC PRIVATE KEY-----\n", 0) == 0);
        ossl::BioPtr bio(BIO_new_mem_buf(leaf->privateKeyPem.data(),
                                         static_cast<int>(leaf->privateKeyPem.size())));
        ossl::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
        QVERIFY(key);
        QCOMPARE(X509_check_private_key(c, key.get()), 1);

        // serial: the number in the certificate, printed as colon hex
        const ASN1_INTEGER* serial = X509_get0_serialNumber(c);
        std::uint64_t value = 0;
        QCOMPARE(ASN1_INTEGER_get_uint64(&value, serial), 1);
        QCOMPARE(value, leaf->serial);
        QCOMPARE(leaf->serialNumber, serialColonHex(value));
        QCOMPARE(leaf->rootId, ca.rootId());
    }

    void leafOfAnotherCaDoesNotVerify() {
        ConnectCa ca = makeCa();
        auto other = ConnectCa::create(ConnectCa::newClusterId(), "dc1");
        QVERIFY(other.ok());
        auto leaf = other->issueLeaf("web", "dc1");
        QVERIFY(leaf.ok());
        auto cert = ca_test::parse(leaf->certPem);
        auto root = ca_test::parse(ca.rootPem());
        QCOMPARE(ca_test::verify(cert.get(), {root.get()}),
                 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    }

    // The same check with the `openssl verify` program, as an operator would run it.
    void opensslCliVerifiesLeaf() {
        ConnectCa ca = makeCa();
        auto leaf = ca.issueLeaf("api", "dc2", 1h);
        QVERIFY(leaf.ok());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString rootPath = dir.filePath(QStringLiteral("root.pem"));
        const QString leafPath = dir.filePath(QStringLiteral("leaf.pem"));
        QVERIFY(writeFile(rootPath, ca.rootPem()));
        QVERIFY(writeFile(leafPath, leaf->certPem));
        for (const char* purpose : {"sslclient", "sslserver"}) {
            const auto [code, output] =
                opensslVerify({QStringLiteral("-CAfile"), rootPath, QStringLiteral("-purpose"),
                               QString::fromLatin1(purpose), leafPath});
            QVERIFY2(code == 0, qPrintable(output));
            QVERIFY2(output.contains(QStringLiteral("leaf.pem: OK")), qPrintable(output));
        }
        // and a wrong root is refused
        auto other = ConnectCa::create(ConnectCa::newClusterId(), "dc1");
        QVERIFY(other.ok());
        const QString otherPath = dir.filePath(QStringLiteral("other.pem"));
        QVERIFY(writeFile(otherPath, other->rootPem()));
        const auto [code, output] = opensslVerify({QStringLiteral("-CAfile"), otherPath, leafPath});
        QVERIFY2(code != 0, qPrintable(output));
    }

    void serialsIncreaseAcrossTheCa() {
        ConnectCa ca = makeCa();
        std::uint64_t last = ca.rootSerialNumber();
        for (const char* name : {"web", "db", "web", "cache"}) {
            auto leaf = ca.issueLeaf(name, "dc1");
            QVERIFY(leaf.ok());
            QVERIFY(leaf->serial > last);
            QCOMPARE(leaf->serialNumber, serialColonHex(leaf->serial));
            last = leaf->serial;
        }
        QCOMPARE(serialColonHex(8), std::string("08"));
        QCOMPARE(serialColonHex(0x0400000001154bULL), std::string("04:00:00:00:01:15:4b"));
    }

    // §4.2: the root's name constraint is DNS-typed, so a leaf naming another trust domain
    // still chain-verifies; only an explicit SpiffeId comparison catches it.
    void foreignTrustDomainVerifiesButSpiffeIdCatchesIt() {
        ConnectCa ca = makeCa();
        const SpiffeId foreign =
            SpiffeId::forService("11111111-2222-3333-4444-555555555555.consul", "dc1", "web");
        auto leaf = ca.issueLeaf(foreign);
        QVERIFY(leaf.ok());
        auto cert = ca_test::parse(leaf->certPem);
        auto root = ca_test::parse(ca.rootPem());
        QCOMPARE(ca_test::verify(cert.get(), {root.get()}, X509_PURPOSE_SSL_CLIENT), X509_V_OK);

        const auto uris = ossl::uriSans(cert.get());
        QCOMPARE(uris.size(), std::size_t{1});
        auto id = SpiffeId::parseService(uris.front());
        QVERIFY(id.ok());
        const SpiffeId expected = SpiffeId::forService(ca.trustDomain(), "dc1", "web");
        QVERIFY(id->sameIdentityIgnoringTrustDomain(expected));  // Consul's own peer check
        QVERIFY(!id->inTrustDomain(ca.trustDomain()));           // the explicit host check
        QVERIFY(!(*id == expected));
    }

    void rotationKeepsOldLeavesVerifiableAndMarksTheNewRoot() {
        ConnectCa ca = makeCa();
        const ConnectCaRoot first = ca.activeRoot();
        auto oldLeaf = ca.issueLeaf("web", "dc1");
        QVERIFY(oldLeaf.ok());
        auto rotated = ca.rotate();
        QVERIFY(rotated.ok());
        QVERIFY(rotated->id != first.id);
        QVERIFY(rotated->signingKeyId != first.signingKeyId);
        QVERIFY(rotated->serialNumber > oldLeaf->serial);
        QCOMPARE(ca.rootId(), rotated->id);

        const auto roots = ca.roots();
        QCOMPARE(roots.size(), std::size_t{2});
        QVERIFY(roots[0].active && roots[0].id == rotated->id);
        QVERIFY(!roots[1].active && roots[1].id == first.id);

        auto newLeaf = ca.issueLeaf("web", "dc1");
        QVERIFY(newLeaf.ok());
        QCOMPARE(newLeaf->rootId, rotated->id);
        QVERIFY(oldLeaf->rootId != ca.rootId());  // what tells the agent to re-issue

        auto oldCert = ca_test::parse(oldLeaf->certPem);
        auto newCert = ca_test::parse(newLeaf->certPem);
        auto oldRoot = ca_test::parse(roots[1].rootCertPem);
        auto newRoot = ca_test::parse(roots[0].rootCertPem);
        QCOMPARE(ca_test::verify(newCert.get(), {newRoot.get()}), X509_V_OK);
        QVERIFY(ca_test::verify(oldCert.get(), {newRoot.get()}) != X509_V_OK);
        QCOMPARE(ca_test::verify(oldCert.get(), {newRoot.get(), oldRoot.get()}), X509_V_OK);
    }

    void renewalMomentIsBetween60And90Percent() {
        ConnectCa ca = makeCa();
        auto leaf = ca.issueLeaf("web", "dc1", 10h);
        QVERIFY(leaf.ok());
        const auto lifetime = leaf->validBefore - leaf->validAfter;
        QCOMPARE(
            leaf->renewAt(0.0) - leaf->validAfter,
            std::chrono::duration_cast<std::chrono::system_clock::duration>(lifetime * 6 / 10));
        QCOMPARE(
            leaf->renewAt(1.0) - leaf->validAfter,
            std::chrono::duration_cast<std::chrono::system_clock::duration>(lifetime * 9 / 10));
        for (int i = 0; i < 200; ++i) {
            const auto at = leaf->renewAt();
            QVERIFY(at >= leaf->renewAt(0.0) && at <= leaf->renewAt(1.0));
        }
    }

    void badInputsAreRefused() {
        QCOMPARE(ConnectCa::create("not-a-uuid", "dc1").error().code, Code::InvalidArgument);
        QCOMPARE(ConnectCa::create(kCluster, "").error().code, Code::InvalidArgument);
        QCOMPARE(ConnectCa::create(kCluster, "a/b").error().code, Code::InvalidArgument);
        // upper-case UUIDs are accepted and lowered: the trust domain is lowercase
        auto upper = ConnectCa::create("8D6BD1A5-7A2C-4D0E-9D8A-0F2B6C3E4A51", "dc1");
        QVERIFY(upper.ok());
        QCOMPARE(upper->trustDomain(), std::string(kCluster) + ".consul");

        ConnectCa ca = makeCa();
        QCOMPARE(ca.issueLeaf("", "dc1").error().code, Code::InvalidArgument);
        QCOMPARE(ca.issueLeaf("a/b", "dc1").error().code, Code::InvalidArgument);
        QCOMPARE(ca.issueLeaf("web", "").error().code, Code::InvalidArgument);
        QCOMPARE(ca.issueLeaf("web", "dc1", 0s).error().code, Code::InvalidArgument);
        QCOMPARE(ca.issueLeaf("web", "dc1", 8761h).error().code, Code::InvalidArgument);
        SpiffeId agentId;
        agentId.kind = SpiffeId::Kind::Agent;
        agentId.trustDomain = ca.trustDomain();
        agentId.datacenter = "dc1";
        agentId.agent = "node1";
        QCOMPARE(ca.issueLeaf(agentId).error().code, Code::InvalidArgument);
    }

    // Names that need escaping end up escaped in the SAN; a name too long for a CN gets an
    // empty subject and a critical SAN, and still verifies.
    void unusualServiceNames() {
        ConnectCa ca = makeCa();
        auto spaced = ca.issueLeaf("my web", "dc1");
        QVERIFY(spaced.ok());
        QCOMPARE(spaced->serviceUri,
                 "spiffe://" + ca.trustDomain() + "/ns/default/dc/dc1/svc/my%20web");
        const std::string longName(100, 'x');
        auto longLeaf = ca.issueLeaf(longName, "dc1");
        QVERIFY(longLeaf.ok());
        auto cert = ca_test::parse(longLeaf->certPem);
        auto root = ca_test::parse(ca.rootPem());
        QCOMPARE(ca_test::commonName(cert.get()), std::string());
        QVERIFY(ca_test::extensionCritical(cert.get(), NID_subject_alt_name));
        QCOMPARE(ca_test::verify(cert.get(), {root.get()}, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    }

    // The agent signs from request threads while a rotation may happen.
    void concurrentIssueAndRotate() {
        ConnectCa ca = makeCa();
        std::mutex mutex;
        std::set<std::uint64_t> serials;
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 5; ++i) {
                    auto leaf = ca.issueLeaf("svc" + std::to_string(t), "dc1", 1h);
                    if (!leaf.ok()) {
                        ++failures;
                        continue;
                    }
                    std::lock_guard lock(mutex);
                    serials.insert(leaf->serial);
                }
            });
        }
        threads.emplace_back([&] {
            if (!ca.rotate().ok()) {
                ++failures;
            }
        });
        for (auto& th : threads) {
            th.join();
        }
        QCOMPARE(failures.load(), 0);
        QCOMPARE(serials.size(), std::size_t{20});  // all distinct
        QCOMPARE(ca.roots().size(), std::size_t{2});
    }

    void newClusterIdIsAVersion4Uuid() {
        const std::string a = ConnectCa::newClusterId();
        const std::string b = ConnectCa::newClusterId();
        QVERIFY(a != b);
        QCOMPARE(a.size(), std::size_t{36});
        QCOMPARE(a[14], '4');
        QVERIFY(std::string("89ab").find(a[19]) != std::string::npos);
        QVERIFY(ConnectCa::create(a, "dc1").ok());
    }
};

QTEST_APPLESS_MAIN(TestConnectCa)
#include "test_connect_ca.moc"
