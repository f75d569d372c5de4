// Connect against the real meshx-agent: CA roots, leaf certificates that verify with OpenSSL
// against the root and carry the service's SPIFFE URI, leaf rotation seen by a blocking watcher,
// intentions and authorize (exact beats wildcard, configurable default).

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <future>

#include "agent_client.h"
#include "agent_http.h"
#include "agent_process.h"
#include "consul/connect_endpoints.h"
#include "meshx_test.h"

using nlohmann::json;
using namespace meshx::consul;

namespace {

X509* readCert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
}

EVP_PKEY* readKey(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return key;
}

// OpenSSL chain verification of `leaf` against `root` alone, with clientAuth purpose.
bool verifies(X509* leaf, X509* root, std::string& why) {
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, root);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, nullptr);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    const bool ok = X509_verify_cert(ctx) == 1;
    if (!ok) {
        why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok;
}

std::vector<std::string> uriSans(X509* cert) {
    std::vector<std::string> out;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
        if (n->type == GEN_URI) {
            const ASN1_IA5STRING* s = n->d.uniformResourceIdentifier;
            out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<size_t>(ASN1_STRING_length(s)));
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

std::string sha1ColonHex(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert, EVP_sha1(), md, &len);
    std::string out;
    char buf[4];
    for (unsigned int i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, i == 0 ? "%02x" : ":%02x", md[i]);
        out += buf;
    }
    return out;
}

Reply authorize(ConsulClient& c, const std::string& target, const std::string& uri) {
    auto r = Request::post("/agent/connect/authorize");
    r.json(json{{"Target", target}, {"ClientCertURI", uri}, {"ClientCertSerial", "01"}});
    return send(c, r);
}

}  // namespace

class TestAgentConnect : public QObject {
    Q_OBJECT

    AgentProcess agent_;
    std::unique_ptr<ConsulClient> client_;
    std::string trustDomain_;

  private slots:
    void initTestCase() {
        QVERIFY2(agent_.start({"-leaf-cert-ttl", "4s"}),
                 qPrintable(agent_.output() + agent_.errors()));
        client_ = agentClient(agent_);
        QVERIFY(client_ != nullptr);
    }

    void cleanupTestCase() {
        client_.reset();
        QCOMPARE(agent_.stop(), 0);
    }

    void rootsDescribeTheCa() {
        auto roots = client_->call(endpoints::caRoots());
        QVERIFY2(roots.ok(), roots.ok() ? "" : roots.error().toString().c_str());
        QVERIFY(roots->index > 0);
        trustDomain_ = roots->value.trustDomain;
        QVERIFY(QString::fromStdString(trustDomain_).endsWith(".consul"));
        const CaRoot* active = roots->value.active();
        QVERIFY(active != nullptr);
        QCOMPARE(active->id, roots->value.activeRootId);
        X509* root = readCert(active->rootCertPem);
        QVERIFY(root != nullptr);
        QCOMPARE(active->id, sha1ColonHex(root));
        QCOMPARE(uriSans(root), std::vector<std::string>{"spiffe://" + trustDomain_});
        X509_free(root);
        const Reply same = get(*client_, "/connect/ca/roots");
        QCOMPARE(same.status, 200);
        QCOMPARE(same.json["ActiveRootID"], json(active->id));
    }

    void leafVerifiesAgainstRoot() {
        auto roots = client_->call(endpoints::caRoots());
        QVERIFY(roots.ok());
        auto leaf = client_->call(endpoints::caLeaf("web"));
        QVERIFY2(leaf.ok(), leaf.ok() ? "" : leaf.error().toString().c_str());
        const std::string uri = "spiffe://" + trustDomain_ + "/ns/default/dc/dc1/svc/web";
        QCOMPARE(leaf->value.serviceUri, uri);
        QCOMPARE(leaf->value.service, std::string("web"));
        QCOMPARE(leaf->index, leaf->value.modifyIndex);
        X509* root = readCert(roots->value.active()->rootCertPem);
        X509* cert = readCert(leaf->value.certPem);
        EVP_PKEY* key = readKey(leaf->value.privateKeyPem);
        QVERIFY(root != nullptr && cert != nullptr && key != nullptr);
        std::string why;
        QVERIFY2(verifies(cert, root, why), why.c_str());
        QCOMPARE(uriSans(cert), std::vector<std::string>{uri});
        QCOMPARE(X509_check_private_key(cert, key), 1);
        QCOMPARE(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
        QVERIFY(leaf->value.privateKeyPem.rfind("-----BEGIN EC PRIVATE KEY-----", 0) == 0);
        EVP_PKEY_free(key);
        X509_free(cert);
        X509_free(root);
    }

    void leafRotatesBeforeExpiryForBlockingWatchers() {
        auto first = client_->call(endpoints::caLeaf("api"));
        QVERIFY(first.ok());
        Blocking b;
        b.index = first->index;
        b.wait = std::chrono::seconds(30);
        QElapsedTimer timer;
        timer.start();
        auto next = client_->call(endpoints::caLeaf("api", b));
        QVERIFY2(next.ok(), next.ok() ? "" : next.error().toString().c_str());
        // The 4s leaf is renewed between 60% and 90% of its lifetime.
        QVERIFY2(timer.elapsed() >= 2000 && timer.elapsed() < 10000,
                 qPrintable(QString::number(timer.elapsed())));
        QVERIFY(next->index > first->index);
        QVERIFY(next->value.serialNumber != first->value.serialNumber);
    }

    void authorizeFollowsIntentions() {
        const std::string web = "spiffe://" + trustDomain_ + "/ns/default/dc/dc1/svc/web";
        const std::string api = "spiffe://" + trustDomain_ + "/ns/default/dc/dc1/svc/api";
        // No intentions: the dev default (ACLs off) allows.
        Reply r = authorize(*client_, "db", web);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json,
                 (json{{"Authorized", true}, {"Reason", "Default behavior configured by ACLs"}}));
        // * -> db deny, web -> db allow: exact beats wildcard.
        QVERIFY(
            client_->call(endpoints::upsertIntention("*", "db", json{{"Action", "deny"}})).ok());
        QVERIFY(
            client_->call(endpoints::upsertIntention("web", "db", json{{"Action", "allow"}})).ok());
        r = authorize(*client_, "db", web);
        QCOMPARE(r.json["Authorized"], json(true));
        QCOMPARE(r.json["Reason"],
                 json("Matched L4 intention: web => db (Precedence: 9, Action: ALLOW)"));
        r = authorize(*client_, "db", api);
        QCOMPARE(r.json["Authorized"], json(false));
        // Deny the exact one.
        QVERIFY(
            client_->call(endpoints::upsertIntention("web", "db", json{{"Action", "deny"}})).ok());
        QCOMPARE(authorize(*client_, "db", web).json["Authorized"], json(false));
        auto check = Request::get("/connect/intentions/check");
        check.param("source", "web");
        check.param("destination", "db");
        QCOMPARE(send(*client_, check).json, (json{{"Allowed", false}}));
        // Exact get, list, match.
        auto exact = client_->call(endpoints::intentionExact("web", "db"));
        QVERIFY(exact.ok());
        QCOMPARE(exact->action, std::string("deny"));
        QCOMPARE(exact->precedence, 9);
        auto list = client_->call(endpoints::intentions());
        QVERIFY(list.ok());
        QCOMPARE(list->value.size(), size_t{2});
        QCOMPARE(list->value.front().sourceName, std::string("web"));  // precedence order
        auto filtered = Request::get("/connect/intentions");
        filtered.param("filter", "SourceName == \"*\"");
        QCOMPARE(send(*client_, filtered).json.size(), size_t{1});
        // Bad input with Consul's texts.
        r = authorize(*client_, "", web);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, std::string("Target service must be specified"));
        r = authorize(*client_, "db", "http://nope");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, std::string("ClientCertURI not a valid Connect identifier"));
        r = authorize(*client_, "db", "spiffe://" + trustDomain_ + "/agent/client/dc/dc1/id/n1");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, std::string("ClientCertURI not a valid Service identifier"));
        const Reply missing = get(*client_, "/connect/intentions/exact?source=web");
        QCOMPARE(missing.status, 500);
        QCOMPARE(missing.body, std::string("required query parameter 'destination' not set"));
        const Reply none = get(*client_, "/connect/intentions/exact?source=a&destination=b");
        QCOMPARE(none.status, 404);
        QCOMPARE(none.body, std::string("Intention not found"));
        auto partial = Request::put("/connect/intentions/exact");
        partial.param("source", "web*");
        partial.param("destination", "db");
        partial.json(json{{"Action", "allow"}});
        const Reply bad = send(*client_, partial);
        QCOMPARE(bad.status, 500);
        QVERIFY(bad.body.find("wildcard character '*' cannot be used with partial values") !=
                std::string::npos);
        // Delete: back to the wildcard deny for web.
        QVERIFY(client_->call(endpoints::deleteIntention("web", "db")).ok());
        r = authorize(*client_, "db", web);
        QCOMPARE(r.json["Authorized"], json(false));
        QVERIFY(r.json["Reason"].get<std::string>().find("* => db") != std::string::npos);
    }

    void defaultDenyIsConfigurable() {
        AgentProcess strict;
        QVERIFY2(strict.start({"-default-intention-policy", "deny"}), qPrintable(strict.output()));
        auto c = agentClient(strict);
        auto roots = c->call(endpoints::caRoots());
        QVERIFY(roots.ok());
        const std::string web =
            "spiffe://" + roots->value.trustDomain + "/ns/default/dc/dc1/svc/web";
        Reply r = authorize(*c, "db", web);
        QCOMPARE(r.json["Authorized"], json(false));
        QVERIFY(c->call(endpoints::upsertIntention("web", "db", json{{"Action", "allow"}})).ok());
        QCOMPARE(authorize(*c, "db", web).json["Authorized"], json(true));
        c.reset();
        QCOMPARE(strict.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAgentConnect)
#include "test_agent_connect.moc"
