// SpiffeId: parsing, printing and comparing Connect identities, checked against the real
// certificates of the reference fixtures (root ID scheme, URI SANs, cross-trust-domain chain).

#include <QFile>
#include <nlohmann/json.hpp>

#include "agent/ca/cert_text.h"
#include "agent/ca/spiffe_id.h"
#include "ca_test_util.h"
#include "meshx_test.h"

using namespace meshx::agent;
using meshx::Code;
using nlohmann::json;

namespace {

json loadFixture(const char* name) {
    QFile file(QStringLiteral(MESHX_TEST_DATA_DIR "/consul/") + QString::fromLatin1(name));
    if (!file.open(QIODevice::ReadOnly)) {
        return nullptr;
    }
    return json::parse(file.readAll().toStdString(), nullptr, false);
}

constexpr const char* kNotConnect = "ClientCertURI not a valid Connect identifier";
constexpr const char* kNotService = "ClientCertURI not a valid Service identifier";

}  // namespace

class TestSpiffeId : public QObject {
    Q_OBJECT

  private slots:
    void parsesEveryConnectKind() {
        auto svc = SpiffeId::parse("spiffe://td.consul/ns/default/dc/dc1/svc/web");
        QVERIFY(svc.ok());
        QCOMPARE(svc->kind, SpiffeId::Kind::Service);
        QCOMPARE(svc->trustDomain, std::string("td.consul"));
        QCOMPARE(svc->ns, std::string("default"));
        QCOMPARE(svc->datacenter, std::string("dc1"));
        QCOMPARE(svc->service, std::string("web"));
        QCOMPARE(svc->partition, std::string());

        auto ap = SpiffeId::parse("spiffe://td.consul/ap/part1/ns/team/dc/dc2/svc/api");
        QVERIFY(ap.ok());
        QCOMPARE(ap->partition, std::string("part1"));
        QCOMPARE(ap->ns, std::string("team"));
        QCOMPARE(ap->service, std::string("api"));

        auto agent = SpiffeId::parse("spiffe://td.consul/agent/client/dc/dc1/id/node-1");
        QVERIFY(agent.ok());
        QCOMPARE(agent->kind, SpiffeId::Kind::Agent);
        QCOMPARE(agent->agent, std::string("node-1"));

        auto server = SpiffeId::parse("spiffe://td.consul/agent/server/dc/dc1");
        QVERIFY(server.ok());
        QCOMPARE(server->kind, SpiffeId::Kind::Server);

        auto gateway = SpiffeId::parse("spiffe://td.consul/gateway/mesh/dc/dc1");
        QVERIFY(gateway.ok());
        QCOMPARE(gateway->kind, SpiffeId::Kind::MeshGateway);

        auto signing = SpiffeId::parse("spiffe://11111111-2222-3333-4444-555555555555.consul");
        QVERIFY(signing.ok());
        QCOMPARE(signing->kind, SpiffeId::Kind::Signing);

        auto escaped = SpiffeId::parse("SPIFFE://td.consul/ns/default/dc/dc1/svc/my%20web");
        QVERIFY(escaped.ok());
        QCOMPARE(escaped->service, std::string("my web"));
    }

    void rejectsWhatIsNotAConnectIdentity() {
        for (const char* uri : {
                 "",
                 "web",
                 "https://td.consul/ns/default/dc/dc1/svc/web",
                 "spiffe://",
                 "spiffe:///ns/default/dc/dc1/svc/web",
                 "spiffe://td.consul/",
                 "spiffe://td.consul/ns/default/dc/dc1/svc/",
                 "spiffe://td.consul/ns/default/dc/dc1/svc/web/extra",
                 "spiffe://td.consul/ns/default/dc//svc/web",
                 "spiffe://td.consul/ns/default/dc/dc1/service/web",
                 "spiffe://td.consul/ns/default/dc/dc1/svc/web?x=1",
                 "spiffe://td.consul/ns/default/dc/dc1/svc/web#f",
                 "spiffe://user@td.consul/ns/default/dc/dc1/svc/web",
                 "spiffe://td.consul:8443/ns/default/dc/dc1/svc/web",
                 "spiffe://td.consul/ns/default/dc/dc1/svc/w%zzb",
                 "spiffe://nodot",
                 "spiffe://td.consul/ap/p/agent/server/dc/dc1",
             }) {
            auto id = SpiffeId::parse(uri);
            QVERIFY2(!id.ok(), uri);
            QCOMPARE(id.error().code, Code::InvalidArgument);
            QCOMPARE(id.error().message, std::string(kNotConnect));
        }
    }

    // The authorize endpoint's two 400 texts (§1.6).
    void parseServiceGivesTheAuthorizeTexts() {
        QCOMPARE(SpiffeId::parseService("http://x/y").error().message, std::string(kNotConnect));
        QCOMPARE(
            SpiffeId::parseService("spiffe://td.consul/agent/client/dc/dc1/id/n1").error().message,
            std::string(kNotService));
        QCOMPARE(SpiffeId::parseService("spiffe://a.consul").error().message,
                 std::string(kNotService));
        QVERIFY(SpiffeId::parseService("spiffe://a.consul/ns/default/dc/dc1/svc/web").ok());
    }

    void printsLikeConsul() {
        const SpiffeId web = SpiffeId::forService("td.consul", "dc1", "web");
        QCOMPARE(web.uri(), std::string("spiffe://td.consul/ns/default/dc/dc1/svc/web"));
        SpiffeId part = web;
        part.partition = "default";  // the default partition is not printed
        QCOMPARE(part.uri(), web.uri());
        part.partition = "p1";
        QCOMPARE(part.uri(), std::string("spiffe://td.consul/ap/p1/ns/default/dc/dc1/svc/web"));
        const SpiffeId odd = SpiffeId::forService("td.consul", "dc1", "a b?c%d@e:f");
        QCOMPARE(odd.uri(),
                 std::string("spiffe://td.consul/ns/default/dc/dc1/svc/a%20b%3Fc%25d@e:f"));
        auto back = SpiffeId::parse(odd.uri());
        QVERIFY(back.ok());
        QCOMPARE(*back, odd);
        for (const char* uri :
             {"spiffe://td.consul/agent/client/dc/dc1/id/n1",
              "spiffe://td.consul/agent/server/dc/dc1", "spiffe://td.consul/gateway/mesh/dc/dc1",
              "spiffe://td.consul", "spiffe://td.consul/ap/x/ns/y/dc/z/svc/w"}) {
            auto id = SpiffeId::parse(uri);
            QVERIFY2(id.ok(), uri);
            QCOMPARE(id->uri(), std::string(uri));
        }
    }

    // §4.1 / §5.2: the host is ignored and the rest compared case-insensitively.
    void comparesIgnoringTrustDomainCaseInsensitively() {
        const SpiffeId expected = SpiffeId::forService("aaa.consul", "dc1", "web");
        auto other = SpiffeId::parse("spiffe://BBB.consul/ns/Default/dc/DC1/svc/Web");
        QVERIFY(other.ok());
        QVERIFY(other->sameIdentityIgnoringTrustDomain(expected));
        QVERIFY(!other->inTrustDomain("aaa.consul"));
        QVERIFY(other->inTrustDomain("bbb.CONSUL"));
        QVERIFY(!SpiffeId::forService("aaa.consul", "dc2", "web")
                     .sameIdentityIgnoringTrustDomain(expected));
        QVERIFY(!SpiffeId::forService("aaa.consul", "dc1", "web2")
                     .sameIdentityIgnoringTrustDomain(expected));
        auto agent = SpiffeId::parse("spiffe://aaa.consul/agent/client/dc/dc1/id/web");
        QVERIFY(!agent->sameIdentityIgnoringTrustDomain(expected));
    }

    // The fixtures are a real root and a real leaf (api-double): their SANs parse, the root ID is
    // the colon-hex SHA-1 of the DER, and the leaf of another trust domain chain-verifies.
    void fixtureCertificates() {
        const json roots = loadFixture("agent-connect-ca-roots.json");
        const json leafJson = loadFixture("agent-connect-ca-leaf.json");
        QVERIFY(roots.is_object() && leafJson.is_object());
        const json& rootJson = roots["Roots"][0];
        auto root = ca_test::parse(rootJson["RootCert"].get<std::string>());
        auto leaf = ca_test::parse(leafJson["CertPEM"].get<std::string>());
        QVERIFY(root && leaf);

        auto der = ossl::certificateDer(root.get());
        QVERIFY(der.ok());
        QCOMPARE(colonHex(ossl::sha1(*der)), rootJson["ID"].get<std::string>());
        QCOMPARE(colonHex(ossl::sha1(*der)), roots["ActiveRootID"].get<std::string>());

        const auto rootUris = ossl::uriSans(root.get());
        QCOMPARE(rootUris.size(), std::size_t{1});
        auto signing = SpiffeId::parse(rootUris.front());
        QVERIFY(signing.ok());
        QCOMPARE(signing->kind, SpiffeId::Kind::Signing);
        QCOMPARE(signing->trustDomain, roots["TrustDomain"].get<std::string>());

        const auto leafUris = ossl::uriSans(leaf.get());
        QCOMPARE(leafUris.size(), std::size_t{1});
        QCOMPARE(leafUris.front(), leafJson["ServiceURI"].get<std::string>());
        auto service = SpiffeId::parseService(leafUris.front());
        QVERIFY(service.ok());
        QCOMPARE(service->service, leafJson["Service"].get<std::string>());
        QCOMPARE(service->datacenter, std::string("dc1"));
        QCOMPARE(service->uri(), leafUris.front());
        QVERIFY(!service->inTrustDomain(signing->trustDomain));

        // Chain: valid during the leaf's 72 h (the fixture dates are 2018: pin the clock).
        const std::time_t during =
            std::chrono::system_clock::to_time_t(*parseRfc3339("2018-05-22T00:00:00Z"));
        QCOMPARE(ca_test::verify(leaf.get(), {root.get()}, X509_PURPOSE_SSL_CLIENT, during),
                 X509_V_OK);
        const std::time_t after =
            std::chrono::system_clock::to_time_t(*parseRfc3339("2018-05-25T00:00:00Z"));
        QCOMPARE(ca_test::verify(leaf.get(), {root.get()}, 0, after), X509_V_ERR_CERT_HAS_EXPIRED);
        QCOMPARE(formatRfc3339(*parseRfc3339(leafJson["ValidAfter"].get<std::string>())),
                 leafJson["ValidAfter"].get<std::string>());
    }
};

QTEST_APPLESS_MAIN(TestSpiffeId)
#include "test_spiffe_id.moc"
