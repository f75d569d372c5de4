// What one sidecar's watches cost the agent when many services register (issue 20.3): a
// blocking query on one service's proxy config or leaf certificate is woken by that service's
// changes only, not by other services' registrations (Consul's per-result blocking), and the
// `-sidecar-for` lookup filter (`Kind == "connect-proxy" and Proxy.DestinationServiceID == ID`)
// answers exactly that sidecar, also where the agent skips rendering the others.

#include <QElapsedTimer>

#include <future>
#include <set>

#include "agent_client.h"
#include "agent_http.h"
#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/connect_endpoints.h"
#include "meshx_test.h"

using nlohmann::json;
using namespace meshx::consul;

namespace {

json withSidecar(const std::string& id, int port) {
    return json{{"ID", id},
                {"Name", id},
                {"Port", port},
                {"Connect", {{"SidecarService", json::object()}}}};
}

std::set<std::string> idsOf(const Reply& r) {
    std::set<std::string> out;
    for (const auto& [id, v] : r.json.items()) {
        out.insert(id);
    }
    return out;
}

}  // namespace

class TestAgentWatchScope : public QObject {
    Q_OBJECT

    AgentProcess agent_;
    std::unique_ptr<ConsulClient> client_;

    void registerOk(const json& definition) {
        auto st = client_->call(endpoints::registerService(definition, false));
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());
    }

  private slots:
    void initTestCase() {
        QVERIFY2(agent_.start(), qPrintable(agent_.output() + agent_.errors()));
        client_ = agentClient(agent_);
        QVERIFY(client_ != nullptr);
        registerOk(withSidecar("alpha", 7001));
        registerOk(withSidecar("beta", 7002));
        registerOk(json{{"ID", "gamma"}, {"Name", "gamma"}, {"Port", 7003}});
    }

    void cleanupTestCase() {
        client_.reset();
        QCOMPARE(agent_.stop(), 0);
    }

    void sidecarLookupFilterAnswersExactly() {
        const auto url = [](const std::string& filter) {
            return "/agent/services?filter=" +
                   QUrl::toPercentEncoding(QString::fromStdString(filter)).toStdString();
        };
        Reply one = get(*client_, url(R"(Kind == "connect-proxy" and )"
                                      R"(Proxy.DestinationServiceID == "alpha")"));
        QCOMPARE(one.status, 200);
        QCOMPARE(idsOf(one), std::set<std::string>{"alpha-sidecar-proxy"});
        // Required terms in any order, with a term the agent only evaluates in full.
        Reply two = get(*client_, url(R"(Proxy.DestinationServiceID == "beta" and )"
                                      R"(Kind == "connect-proxy" and Tags is empty)"));
        QCOMPARE(idsOf(two), std::set<std::string>{"beta-sidecar-proxy"});
        // `or` requires nothing of every element: all that match either side.
        Reply any = get(*client_, url(R"(Kind == "connect-proxy" or Service == "gamma")"));
        QCOMPARE(idsOf(any),
                 (std::set<std::string>{"alpha-sidecar-proxy", "beta-sidecar-proxy", "gamma"}));
        // Case matters, as in go-bexpr: no sidecar of "ALPHA".
        Reply none = get(*client_, url(R"(Kind == "connect-proxy" and )"
                                       R"(Proxy.DestinationServiceID == "ALPHA")"));
        QCOMPARE(none.status, 200);
        QVERIFY(idsOf(none).empty());
    }

    // A sidecar's config watch (hash blocking on /agent/service/:id) and leaf watch (index
    // blocking) sleep through other services' registrations, and wake for their own change.
    void watchesWakeOnlyForTheirOwnService() {
        auto first = client_->call(endpoints::agentService("alpha-sidecar-proxy"));
        QVERIFY(first.ok());
        QVERIFY(!first->contentHash.empty());
        auto leaf = client_->call(endpoints::caLeaf("alpha"));
        QVERIFY(leaf.ok());

        constexpr auto kWait = std::chrono::milliseconds(3000);
        auto configWatch = std::async(std::launch::async, [&] {
            auto c = agentClient(agent_);
            QElapsedTimer t;
            t.start();
            auto r =
                c->call(endpoints::agentService("alpha-sidecar-proxy", first->contentHash, kWait));
            return std::make_pair(t.elapsed(), r.ok() ? r->contentHash : std::string("error"));
        });
        auto leafWatch = std::async(std::launch::async, [&] {
            auto c = agentClient(agent_);
            Blocking b;
            b.index = leaf->index;
            b.wait = kWait;
            QElapsedTimer t;
            t.start();
            auto r = c->call(endpoints::caLeaf("alpha", b));
            return std::make_pair(t.elapsed(), r.ok() ? r->value.serialNumber : std::string());
        });
        // Other services come and go while alpha's watches wait (bounded: 20 registrations).
        for (int i = 0; i < 10; ++i) {
            registerOk(withSidecar("other-" + std::to_string(i), 7100 + i));
        }
        for (int i = 0; i < 10; ++i) {
            QVERIFY(client_->call(endpoints::deregisterService("other-" + std::to_string(i))).ok());
        }
        const auto [configMs, configHash] = configWatch.get();
        const auto [leafMs, leafSerial] = leafWatch.get();
        // Held for their whole wait (the agent adds up to wait/16): nothing of theirs changed.
        QVERIFY2(configMs >= 2500, qPrintable(QString::number(configMs)));
        QCOMPARE(configHash, first->contentHash);
        QVERIFY2(leafMs >= 2500, qPrintable(QString::number(leafMs)));
        QCOMPARE(leafSerial, leaf->value.serialNumber);

        // Its own change wakes the config watch at once.
        auto ownWatch = std::async(std::launch::async, [&] {
            auto c = agentClient(agent_);
            QElapsedTimer t;
            t.start();
            auto r = c->call(endpoints::agentService("alpha-sidecar-proxy", first->contentHash,
                                                     std::chrono::milliseconds(20000)));
            return std::make_pair(t.elapsed(), r.ok() ? r->contentHash : std::string("error"));
        });
        // If the change lands before the watch parks, the agent answers it at once (the hash
        // differs): either way it must return the new hash well before its 20 s wait.
        json changed = withSidecar("alpha", 7001);
        changed["Connect"]["SidecarService"]["Meta"] = {{"version", "2"}};
        registerOk(changed);
        const auto [ownMs, ownHash] = ownWatch.get();
        QVERIFY2(ownMs < 10000, qPrintable(QString::number(ownMs)));
        QVERIFY(ownHash != first->contentHash && ownHash != "error");
    }
};

QTEST_GUILESS_MAIN(TestAgentWatchScope)
#include "test_agent_watch_scope.moc"
