#include "meshx_test.h"

#include "node/callback_endpoint_resolver.h"
#include "node/node_name.h"
#include "node/node_service_defaults.h"

using namespace meshx;
using namespace meshx::node;

class TestNodeName : public QObject {
    Q_OBJECT

  private slots:
    void parsesAliveAndHost() {
        auto n = NodeName::parse("cli@h11");
        QVERIFY(n.ok());
        QCOMPARE(n->alive(), std::string("cli"));
        QCOMPARE(n->host(), std::string("h11"));
        QCOMPARE(n->toString(), std::string("cli@h11"));
        auto ip = NodeName::parse("svc-1_a@127.0.0.1");
        QVERIFY(ip.ok());
        QCOMPARE(ip->host(), std::string("127.0.0.1"));
    }

    void rejectsMalformedNamesWithReason() {
        struct Case {
            const char* text;
            const char* why;
        };
        const Case cases[] = {{"cli", "expected NAME@HOST"},
                              {"@h", "empty name"},
                              {"cli@", "empty host"},
                              {"c li@h", "character ' '"},
                              {"cli@h/x", "character '/'"}};
        for (const auto& c : cases) {
            auto n = NodeName::parse(c.text);
            QVERIFY2(!n.ok(), c.text);
            QCOMPARE(n.error().code, Code::InvalidArgument);
            QVERIFY2(n.error().message.find(c.why) != std::string::npos, n.error().message.c_str());
        }
        QVERIFY(!NodeName::parse(std::string(254, 'a') + "@h").ok());
    }

    // MeshxNode's defaults: the node service is the full node name (name and id), upstreams
    // go on the sidecar of our own node service.
    void serviceDefaultsFollowMeshxNode() {
        auto local = *NodeName::parse("mynode@myhost");
        auto remote = *NodeName::parse("node1@myhost");
        auto s = NodeServiceDefaults::service(local);
        QCOMPARE(s.serviceName, std::string("mynode@myhost"));
        QCOMPARE(s.serviceId, std::string("mynode@myhost"));
        auto u = NodeServiceDefaults::upstream(remote, local);
        QCOMPARE(u.upstreamName, std::string("node1@myhost"));
        QCOMPARE(u.proxyServiceName, std::string("mynode@myhost"));
        QCOMPARE(u.proxyServiceId, std::string("mynode@myhost"));
    }

    void callbackResolverPassesBothNames() {
        std::string seen;
        CallbackEndpointResolver r([&](const NodeName& remote, const NodeName& local) {
            seen = remote.toString() + " from " + local.toString();
            return Result<net::Address>(net::Address::tcp("127.0.0.1", 4370));
        });
        auto a = r.resolve(*NodeName::parse("a@h"), *NodeName::parse("b@h"));
        QVERIFY(a.ok());
        QCOMPARE(a->port(), uint16_t(4370));
        QCOMPARE(seen, std::string("a@h from b@h"));

        CallbackEndpointResolver empty({});
        auto none = empty.resolve(*NodeName::parse("a@h"), *NodeName::parse("b@h"));
        QVERIFY(!none.ok());
        QCOMPARE(none.error().code, Code::NotFound);
    }
};

QTEST_APPLESS_MAIN(TestNodeName)
#include "test_node_name.moc"
