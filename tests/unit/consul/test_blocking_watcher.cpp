// BlockingWatcher against FakeConsulServer: index bookkeeping (§1.8), back-off, cancel, typed
// delivery on the context's thread.

#include "meshx_test.h"

#include <atomic>
#include <mutex>

#include <nlohmann/json.hpp>

#include "consul/agent_endpoints.h"
#include "consul/blocking_watcher.h"
#include "consul/catalog_endpoints.h"
#include "consul_test_support.h"
#include "fake_consul_server.h"

using consul_test::httpConfig;
using consul_test::makeClient;
using consul_test::msSince;
using meshx::Code;
using meshx::consul::BlockingWatcher;
using meshx::consul::Request;
using meshx::consul::Response;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

FakeReply hold() {
    FakeReply r;
    r.hold = true;
    return r;
}

struct Delivery {
    uint64_t index;
    std::string body;
};

}  // namespace

class TestBlockingWatcher : public QObject {
    Q_OBJECT

  private slots:
    void indexGoingBackwardsResetsToZeroAndZeroBecomesOne() {
        // Scripted agent: reply n answers the n-th query (1-based).
        //   1: index 5 (A)   2: index 10 (B)   3: index 3 (C, backwards)
        //   4: index 3 (C, the fresh read)   5: index 0 (D, a buggy agent: counts as 1, which
        //   is backwards from 3)   6: index 0 again (D, the fresh read)   7+: hold
        FakeConsulServer server([](const FakeRequest&) { return FakeReply{}; });
        std::atomic<int> n{0};
        server.setHandler([&n](const FakeRequest&) {
            switch (++n) {
                case 1:
                    return FakeReply::json("A", 200, 5);
                case 2:
                    return FakeReply::json("B", 200, 10);
                case 3:
                case 4:
                    return FakeReply::json("C", 200, 3);
                case 5:
                case 6:
                    return FakeReply::json("D", 200, 0);
                default:
                    return hold();
            }
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        std::vector<Delivery> got;
        BlockingWatcher watcher(*client, Request::get("/health/service/web"), {}, this,
                                [&](const Response& r) {
                                    QCOMPARE(QThread::currentThread(), thread());
                                    got.push_back({r.index, r.body});
                                });
        watcher.start();
        QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() == 7 && got.size() == 4, 10000);
        watcher.stop();

        std::vector<std::string> indexes;
        for (const auto& r : server.requests()) {
            indexes.push_back(r.hasParam("index") ? r.param("index") : "-");
        }
        // No index first; then each new index; none (a fresh read) after going backwards; and
        // 1, never 0, after an index of 0.
        QCOMPARE(indexes, (std::vector<std::string>{"-", "5", "10", "-", "3", "-", "1"}));
        QCOMPARE(server.requests().at(1).param("wait"), std::string("300s"));
        QCOMPARE(got.size(), std::size_t(4));  // the fresh reads of C and D are not changes
        QCOMPARE(got[0].index, uint64_t(5));
        QCOMPARE(got[1].index, uint64_t(10));
        QCOMPARE(got[2].index, uint64_t(3));
        QCOMPARE(got[2].body, std::string("\"C\""));
        QCOMPARE(got[3].index, uint64_t(0));
    }

    void sameContentWithNewIndexIsNotAChange() {
        std::atomic<int> n{0};
        FakeConsulServer server([&n](const FakeRequest&) {
            int i = ++n;
            if (i <= 3) {
                return FakeReply::json(i == 3 ? "changed" : "same", 200, 10 + i);
            }
            return hold();
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        std::vector<uint64_t> got;
        BlockingWatcher watcher(*client, Request::get("/catalog/services"), {}, this,
                                [&](const Response& r) { got.push_back(r.index); });
        watcher.start();
        QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() == 4 && got.size() == 2, 10000);
        QCOMPARE(got, (std::vector<uint64_t>{11, 13}));
        QCOMPARE(server.requests().at(2).param("index"), std::string("12"));
    }

    void errorsBackOffExponentiallyAndResetOnSuccess() {
        // 1-4: 500   5: ok   6-7: 500   8+: hold
        std::atomic<int> n{0};
        FakeConsulServer server([&n](const FakeRequest&) {
            int i = ++n;
            if (i == 5) {
                return FakeReply::json(json::array(), 200, 7);
            }
            if (i >= 8) {
                return hold();
            }
            return FakeReply::text(500, "rpc error: No cluster leader");
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        BlockingWatcher::Options options;
        options.backoff.initial = milliseconds(40);
        options.backoff.max = milliseconds(160);
        std::vector<milliseconds> delays;
        std::vector<meshx::Error> errors;
        int changes = 0;
        BlockingWatcher watcher(
            *client, Request::get("/health/service/web"), options, this,
            [&](const Response&) { ++changes; },
            [&](const meshx::Error& e, milliseconds retryIn) {
                errors.push_back(e);
                delays.push_back(retryIn);
            });
        watcher.start();
        QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() == 8 && delays.size() == 6, 15000);
        watcher.stop();

        QCOMPARE(changes, 1);
        QCOMPARE(errors.front().code, Code::HttpError);
        QVERIFY(errors.front().message.find("No cluster leader") != std::string::npos);
        // Nominal 40, 80, 160, 160 (capped); each delay is in [nominal/2, nominal].
        const std::vector<std::pair<int, int>> bounds = {{20, 40},  {40, 80}, {80, 160},
                                                         {80, 160}, {20, 40}, {40, 80}};
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            QVERIFY2(delays[i].count() >= bounds[i].first && delays[i].count() <= bounds[i].second,
                     qPrintable(QStringLiteral("delay %1 = %2 ms").arg(i).arg(delays[i].count())));
        }
        // The loop really waited: each retry came at least its delay after the failure.
        const auto reqs = server.requests();
        const std::vector<std::size_t> failed = {0, 1, 2, 3, 5, 6};
        for (std::size_t k = 0; k < failed.size(); ++k) {
            const auto gap = std::chrono::duration_cast<milliseconds>(reqs[failed[k] + 1].arrived -
                                                                      reqs[failed[k]].arrived);
            QVERIFY2(
                gap >= delays[k],
                qPrintable(
                    QStringLiteral("gap %1 < delay %2").arg(gap.count()).arg(delays[k].count())));
        }
    }

    void stopInterruptsALongWaitAtOnce() {
        FakeConsulServer server([](const FakeRequest& r) {
            if (!r.hasParam("index")) {
                return FakeReply::json(json::array(), 200, 42);
            }
            return hold();  // a 5-minute blocking query that never ends by itself
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        BlockingWatcher watcher(*client, Request::get("/health/service/web"), {}, this,
                                [](const Response&) {});
        watcher.start();
        QVERIFY(consul_test::waitFor([&] { return server.requestCount() == 2; }));
        QCOMPARE(watcher.nextIndex(), uint64_t(42));
        const auto started = std::chrono::steady_clock::now();
        watcher.stop();
        const auto elapsed = msSince(started);
        QVERIFY(!watcher.running());
        // Generous for a loaded machine, far below curl's 1 s idle tick and the 5 min wait.
        QVERIFY2(elapsed < 900, qPrintable(QString::number(elapsed)));
        QVERIFY(consul_test::waitFor([&] { return server.clientHangups() == 1; }));
    }

    void stopDuringBackOffIsImmediate() {
        FakeConsulServer server(
            [](const FakeRequest&) { return FakeReply::text(503, "agent restarting"); });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        BlockingWatcher::Options options;
        options.backoff.initial = std::chrono::minutes(5);
        options.backoff.max = std::chrono::minutes(5);
        std::atomic<int> errors{0};
        BlockingWatcher watcher(
            *client, Request::get("/health/service/web"), options, nullptr, [](const Response&) {},
            [&](const meshx::Error&, milliseconds) { ++errors; });
        watcher.start();
        QVERIFY(consul_test::waitFor([&] { return errors.load() == 1; }));
        const auto started = std::chrono::steady_clock::now();
        watcher.stop();
        QVERIFY2(msSince(started) < 900, "stop waited for the back-off");
        QCOMPARE(server.requestCount(), std::size_t(1));
    }

    void typedWatcherDecodesAndDeliversOnContextThread() {
        std::atomic<int> n{0};
        FakeConsulServer server([&n](const FakeRequest&) {
            int i = ++n;
            if (i > 2) {
                return hold();
            }
            json entry = {{"Node", {{"Node", "n1"}, {"Address", "10.0.0.1"}}},
                          {"Service", {{"ID", "web-" + std::to_string(i)}, {"Service", "web"}}},
                          {"Checks", json::array()}};
            return FakeReply::json(json::array({entry}), 200, 100 + i);
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));

        QThread engine;
        engine.start();
        QObject context;
        context.moveToThread(&engine);
        std::mutex mutex;
        std::vector<std::string> ids;
        std::vector<uint64_t> indexes;
        std::atomic<bool> wrongThread{false};
        using Entries = std::vector<meshx::consul::ServiceEntry>;
        using Value = meshx::consul::Indexed<Entries>;
        meshx::consul::endpoints::HealthQuery passing;
        passing.passing = true;
        auto watcher = BlockingWatcher::typed<Value>(
            *client, meshx::consul::endpoints::healthService("web", passing), {}, &context,
            [&](const Value& v, uint64_t index) {
                if (QThread::currentThread() != &engine) {
                    wrongThread = true;
                }
                std::lock_guard lock(mutex);
                ids.push_back(v.value.at(0).service.id);
                indexes.push_back(index);
            });
        watcher->start();
        QVERIFY(consul_test::waitFor([&] {
            std::lock_guard lock(mutex);
            return ids.size() == 2;
        }));
        watcher.reset();  // stops; no handler runs afterwards
        engine.quit();
        QVERIFY(engine.wait(5000));
        QVERIFY(!wrongThread);
        QCOMPARE(ids, (std::vector<std::string>{"web-1", "web-2"}));
        QCOMPARE(indexes, (std::vector<uint64_t>{101, 102}));
        QCOMPARE(server.requests().at(0).param("passing"), std::string("1"));
    }

    void hashModeFollowsContentHashAndReportsDisappearance() {
        std::atomic<int> n{0};
        FakeConsulServer server([&n](const FakeRequest&) {
            int i = ++n;
            if (i == 3) {
                return FakeReply::text(404, "unknown service ID: web-sidecar-proxy");
            }
            if (i > 3) {
                return hold();
            }
            auto reply = FakeReply::json({{"ID", "web-sidecar-proxy"},
                                          {"Service", "web-sidecar-proxy"},
                                          {"Port", 21000 + i}});
            reply.headers.emplace_back("X-Consul-ContentHash", i == 1 ? "h1" : "h2");
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        BlockingWatcher::Options options;
        options.mode = BlockingWatcher::Mode::Hash;
        options.wait = std::chrono::seconds(30);
        options.backoff.initial = milliseconds(10);
        std::vector<int> ports;
        std::vector<meshx::Error> errors;
        auto watcher = BlockingWatcher::typed<meshx::consul::AgentService>(
            *client, meshx::consul::endpoints::agentService("web-sidecar-proxy"), options, this,
            [&](const meshx::consul::AgentService& s, uint64_t) { ports.push_back(s.port); },
            [&](const meshx::Error& e, milliseconds) { errors.push_back(e); });
        watcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(ports.size() == 2 && errors.size() == 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(server.requestCount() == 4, 10000);
        watcher->stop();
        QCOMPARE(ports, (std::vector<int>{21001, 21002}));
        QCOMPARE(errors[0].code, Code::NotFound);
        const auto reqs = server.requests();
        QVERIFY(!reqs[0].hasParam("hash"));
        QCOMPARE(reqs[1].param("hash"), std::string("h1"));
        QCOMPARE(reqs[2].param("hash"), std::string("h2"));
        QCOMPARE(reqs[3].param("hash"), std::string("h2"));  // retry keeps the last hash
        QCOMPARE(reqs[1].param("wait"), std::string("30s"));
    }

    void undecodableReplyIsRetriedWithBackOff() {
        std::atomic<int> n{0};
        FakeConsulServer server([&n](const FakeRequest&) {
            int i = ++n;
            if (i == 1) {
                return FakeReply::json({{"not", "a list"}}, 200, 5);
            }
            if (i == 2) {
                return FakeReply::json(json::array(), 200, 5);
            }
            return hold();
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        BlockingWatcher::Options options;
        options.backoff.initial = milliseconds(10);
        int changes = 0;
        std::vector<meshx::Error> errors;
        using Value = meshx::consul::Indexed<std::vector<meshx::consul::ServiceEntry>>;
        auto watcher = BlockingWatcher::typed<Value>(
            *client, meshx::consul::endpoints::healthService("web"), options, this,
            [&](const Value&, uint64_t) { ++changes; },
            [&](const meshx::Error& e, milliseconds) { errors.push_back(e); });
        watcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(changes == 1 && server.requestCount() == 3, 10000);
        QCOMPARE(errors.size(), std::size_t(1));
        QCOMPARE(errors[0].code, Code::ProtocolError);
        // The failed result did not advance the index: the retry re-read without blocking.
        QVERIFY(!server.requests().at(1).hasParam("index"));
        QCOMPARE(server.requests().at(2).param("index"), std::string("5"));
    }

    void endpointWithoutIndexIsAnError() {
        FakeConsulServer server([](const FakeRequest&) { return FakeReply::json(json::object()); });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        BlockingWatcher::Options options;
        options.backoff.initial = std::chrono::minutes(1);
        std::vector<meshx::Error> errors;
        BlockingWatcher watcher(
            *client, Request::get("/agent/services"), options, this, [](const Response&) {},
            [&](const meshx::Error& e, milliseconds) { errors.push_back(e); });
        watcher.start();
        QTRY_VERIFY_WITH_TIMEOUT(errors.size() == 1, 10000);
        QCOMPARE(errors[0].code, Code::ProtocolError);
        QCOMPARE(server.requestCount(), std::size_t(1));  // backing off, not spinning
    }
};

QTEST_GUILESS_MAIN(TestBlockingWatcher)
#include "test_blocking_watcher.moc"
