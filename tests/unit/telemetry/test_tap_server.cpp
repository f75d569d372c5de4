// TapServer in-process over a bus of our own, read through real sockets: every field of an
// event on the stream, filter pushdown, drops counted for a stalled subscriber while publish()
// stays fast, the subscriber limit (503), a bad filter (400), the info endpoint, the token.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <QDeadlineTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <functional>

#include <nlohmann/json.hpp>

#include "telemetry/in_process_bus.h"
#include "telemetry/tap/tap_client.h"
#include "telemetry/tap/tap_server.h"

using namespace meshx;
using namespace meshx::telemetry;
using Json = nlohmann::json;

namespace {

TapServer::Options optionsFor(InProcessBus& bus) {
    TapServer::Options o;
    o.bus = &bus;
    o.process = TapProcess::current("test-tap");
    o.heartbeat = std::chrono::milliseconds(200);
    return o;
}

Event rpcEvent(const std::string& source, const std::string& fun, const std::string& result) {
    Event e;
    e.source = source;
    e.name = "call";
    e.metrics = {{"time", {{"exec", 12}, {"ser", 3}}}, {"size", {{"send", 100}, {"recv", 200}}}};
    e.meta = {{"fun_name", fun}, {"fun_req", "call"}, {"result", result}, {"req_ref", 7}};
    return e;
}

// Reads lines from `client` until `done` says so or the deadline passes; `publish` runs between
// reads (producers keep going while we wait). Returns every line read.
std::vector<Json> readUntil(TapClient& client, const std::function<bool(const Json&)>& done,
                            const std::function<void()>& publish = {}, int timeoutMs = 20000) {
    std::vector<Json> out;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (publish) {
            publish();
        }
        pollfd p{client.fd(), POLLIN, 0};
        ::poll(&p, 1, 50);
        std::vector<std::string> lines;
        auto st = client.readAvailable(lines);
        for (const auto& l : lines) {
            out.push_back(Json::parse(l));
            if (done(out.back())) {
                return out;
            }
        }
        if (!st) {
            break;
        }
    }
    return out;
}

// A raw HTTP exchange for a whole (non-streaming) answer.
std::string rawGet(const net::Address& a, const std::string& request) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(a.port());
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return {};
    }
    [[maybe_unused]] auto n = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    QDeadlineTimer deadline(20000);
    while (!deadline.hasExpired()) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 100);
        const ssize_t got = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got == 0) {
            break;
        }
        if (got > 0) {
            out.append(buf, static_cast<size_t>(got));
        }
    }
    ::close(fd);
    return out;
}

}  // namespace

class TestTapServer : public QObject {
    Q_OBJECT

  private slots:
    void streamCarriesEveryField();
    void filterIsPushedDown();
    void stalledSubscriberDropsWhilePublishStaysFast();
    void subscriberLimitAnswers503();
    void badFilterAnswers400WithColumn();
    void infoDescribesProcessAndSchema();
    void tokenIsRequiredWhenConfigured();
    void servesOnUnixSocket();
    void noSubscriptionWithoutSubscribers();
};

void TestTapServer::streamCarriesEveryField() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus));
    auto addr = tap.start();
    QVERIFY2(addr.ok(), addr.ok() ? "" : addr.error().toString().c_str());
    QVERIFY(addr->port() != 0);
    tap.setServiceId("svc-1");
    auto client = TapClient::connect(*addr, {}, std::chrono::seconds(5));
    QVERIFY(client.ok());
    auto hello = readUntil(*client, [](const Json& j) { return j["type"] == "hello"; });
    QVERIFY(!hello.empty());
    QCOMPARE(hello.back()["schema"].get<int>(), 1);
    QCOMPARE(hello.back()["process"]["program"].get<std::string>(), std::string("test-tap"));
    QCOMPARE(hello.back()["process"]["pid"].get<long>(), static_cast<long>(::getpid()));
    QVERIFY(hello.back().contains("heartbeat_ms"));

    auto lines = readUntil(
        *client, [](const Json& j) { return j["type"] == "event"; },
        [&bus] { bus.publish(rpcEvent("rpc.server", "echo", "ok")); });
    QVERIFY(!lines.empty());
    const Json& e = lines.back();
    QCOMPARE(e["type"].get<std::string>(), std::string("event"));
    QVERIFY(e["seq"].get<uint64_t>() >= 1);
    QVERIFY(e["time_us"].get<int64_t>() > 0);
    QVERIFY(e["time"].get<std::string>().size() == 27);  // 2026-12-06T10:41:02.123456Z
    QCOMPARE(e["source"].get<std::string>(), std::string("rpc.server"));
    QCOMPARE(e["name"].get<std::string>(), std::string("call"));
    QCOMPARE(e["metrics"]["time"]["exec"].get<int>(), 12);
    QCOMPARE(e["metrics"]["size"]["recv"].get<int>(), 200);
    QCOMPARE(e["meta"]["fun_name"].get<std::string>(), std::string("echo"));
    QCOMPARE(e["meta"]["req_ref"].get<int>(), 7);
    QCOMPARE(e["process"]["pid"].get<long>(), static_cast<long>(::getpid()));
    QCOMPARE(e["process"]["program"].get<std::string>(), std::string("test-tap"));
    QCOMPARE(e["process"]["service_id"].get<std::string>(), std::string("svc-1"));

    // Heartbeats keep coming while nothing is published.
    auto beat = readUntil(*client, [](const Json& j) { return j["type"] == "heartbeat"; });
    QVERIFY(!beat.empty() && beat.back()["type"] == "heartbeat");
    QCOMPARE(beat.back()["dropped"].get<uint64_t>(), uint64_t{0});
    QVERIFY(beat.back()["sent"].get<uint64_t>() >= 1);
}

void TestTapServer::filterIsPushedDown() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus));
    auto addr = tap.start();
    QVERIFY(addr.ok());
    TapClient::Request r;
    r.filter = R"(fun == "echo" and result == ok)";
    r.sources = "rpc";
    auto client = TapClient::connect(*addr, r, std::chrono::seconds(5));
    QVERIFY(client.ok());
    auto hello = readUntil(*client, [](const Json& j) { return j["type"] == "hello"; });
    QVERIFY(!hello.empty());
    QCOMPARE(hello.back()["filter"].get<std::string>(), r.filter);
    QCOMPARE(hello.back()["sources"], Json::array({"rpc"}));

    int marker = 0;
    auto lines = readUntil(
        *client,
        [](const Json& j) { return j["type"] == "event" && j["meta"].value("req_ref", 0) == 99; },
        [&] {
            bus.publish(rpcEvent("rpc.client", "sleep", "ok"));       // wrong fun
            bus.publish(rpcEvent("rpc.server", "echo", "error: x"));  // wrong result
            Event proxy;
            proxy.source = "proxy";
            proxy.name = "stdout";
            proxy.meta = {{"fun_name", "echo"}, {"result", "ok"}};  // wrong source
            bus.publish(proxy);
            bus.publish(rpcEvent("rpc.client", "echo", "ok"));  // matches
            if (++marker == 3) {
                Event last = rpcEvent("rpc.server", "echo", "ok");
                last.meta["req_ref"] = 99;
                bus.publish(last);
            }
        });
    int matching = 0;
    for (const auto& j : lines) {
        if (j["type"] != "event") {
            continue;
        }
        QCOMPARE(j["meta"]["fun_name"].get<std::string>(), std::string("echo"));
        QCOMPARE(j["meta"]["result"].get<std::string>(), std::string("ok"));
        QVERIFY(j["source"].get<std::string>().rfind("rpc.", 0) == 0);
        ++matching;
    }
    QVERIFY2(matching >= 4, qPrintable(QString::number(matching)));
}

void TestTapServer::stalledSubscriberDropsWhilePublishStaysFast() {
    InProcessBus bus;
    auto o = optionsFor(bus);
    o.queueCapacity = 64;
    o.maxBufferedBytes = 8192;
    TapServer tap(o);
    auto addr = tap.start();
    QVERIFY(addr.ok());
    // A subscriber that sends its request, then reads nothing for a while.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(addr->port());
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    const std::string req = "GET /v1/tap HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    QTRY_VERIFY_WITH_TIMEOUT(tap.subscriberCount() == 1, 20000);

    // Fat events, so the stalled socket fills quickly; publish must stay a ring push.
    constexpr int kEvents = 40000;
    const std::string pad(512, 'p');
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kEvents; ++i) {
        Event e = rpcEvent("rpc.client", "echo", "ok");
        e.meta["pad"] = pad;
        bus.publish(std::move(e));
    }
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    const double perPublishUs =
        std::chrono::duration<double, std::micro>(elapsed).count() / kEvents;
    qInfo("publish with a stalled tap subscriber: %.2f us/event", perPublishUs);
    // Generous for a loaded 2-core Debug build; a publish that waited on the socket would take
    // the whole test timeout instead.
    QVERIFY2(elapsed < std::chrono::seconds(20), qPrintable(QString::number(perPublishUs)));

    // Now read: the heartbeat reports what the full queue dropped.
    TapStreamReader reader;
    uint64_t dropped = 0;
    QDeadlineTimer deadline(30000);
    char buf[65536];
    while (dropped == 0 && !deadline.hasExpired()) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 100);
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) {
            break;
        }
        if (n > 0) {
            reader.append(std::string_view(buf, static_cast<size_t>(n)));
        }
        for (const auto& l : reader.takeLines()) {
            auto j = Json::parse(l);
            if (j["type"] == "heartbeat") {
                dropped = j["dropped"].get<uint64_t>();
            }
        }
    }
    ::close(fd);
    QVERIFY2(dropped > 0, "a stalled subscriber's drops are counted in heartbeats");
    QVERIFY(dropped < kEvents);
}

void TestTapServer::subscriberLimitAnswers503() {
    InProcessBus bus;
    auto o = optionsFor(bus);
    o.maxSubscribers = 2;
    TapServer tap(o);
    auto addr = tap.start();
    QVERIFY(addr.ok());
    std::optional<Result<TapClient>> a = TapClient::connect(*addr, {}, std::chrono::seconds(5));
    auto b = TapClient::connect(*addr, {}, std::chrono::seconds(5));
    QVERIFY(a->ok() && b.ok());
    QTRY_VERIFY_WITH_TIMEOUT(tap.subscriberCount() == 2, 20000);
    const std::string answer = rawGet(*addr, "GET /v1/tap HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY2(answer.rfind("HTTP/1.1 503", 0) == 0, answer.c_str());
    QVERIFY(answer.find("too many tap subscribers") != std::string::npos);
    // A subscriber leaving frees its place.
    a.reset();
    QTRY_VERIFY_WITH_TIMEOUT(tap.subscriberCount() == 1, 20000);
    auto c = TapClient::connect(*addr, {}, std::chrono::seconds(5));
    QVERIFY(c.ok());
    auto hello = readUntil(*c, [](const Json& j) { return j["type"] == "hello"; });
    QVERIFY(!hello.empty());
}

void TestTapServer::badFilterAnswers400WithColumn() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus));
    auto addr = tap.start();
    QVERIFY(addr.ok());
    TapClient::Request r;
    r.filter = "fun == echo and fn == x";
    auto client = TapClient::connect(*addr, r, std::chrono::seconds(5));
    QVERIFY(client.ok());
    auto lines = readUntil(*client, [](const Json&) { return true; });
    QVERIFY(lines.empty());
    QVERIFY(client->reader().failed());
    QCOMPARE(client->reader().status(), 400);
    const std::string msg = client->reader().error().message;
    QVERIFY2(msg.find("column 17") != std::string::npos, msg.c_str());
    QCOMPARE(tap.subscriberCount(), size_t{0});
    // Unknown paths and methods.
    QVERIFY(rawGet(*addr, "GET /v1/nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0) == 0);
    QVERIFY(rawGet(*addr, "POST /v1/tap HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0) == 0);
    QVERIFY(rawGet(*addr, "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
}

void TestTapServer::infoDescribesProcessAndSchema() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus));
    auto addr = tap.start();
    QVERIFY(addr.ok());
    const std::string answer = rawGet(*addr, "GET /v1/tap/info HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY2(answer.rfind("HTTP/1.1 200", 0) == 0, answer.c_str());
    const Json info = Json::parse(answer.substr(answer.find("\r\n\r\n") + 4));
    QCOMPARE(info["schema"].get<int>(), 1);
    QCOMPARE(info["process"]["program"].get<std::string>(), std::string("test-tap"));
    QCOMPARE(info["max_subscribers"].get<int>(), 16);
    QVERIFY(info["filter_fields"].size() > 5);
    QCOMPARE(info["token_required"].get<bool>(), false);
}

void TestTapServer::tokenIsRequiredWhenConfigured() {
    InProcessBus bus;
    auto o = optionsFor(bus);
    const std::string token = "tap-token-1d5e0c";
    o.requiredToken = token;
    TapServer tap(o);
    auto addr = tap.start();
    QVERIFY(addr.ok());
    const std::string denied = rawGet(*addr, "GET /v1/tap/info HTTP/1.1\r\n\r\n");
    QVERIFY2(denied.rfind("HTTP/1.1 403", 0) == 0, denied.c_str());
    QVERIFY(denied.find(token) == std::string::npos);
    const std::string wrong =
        rawGet(*addr, "GET /v1/tap HTTP/1.1\r\nX-Consul-Token: tap-token-1d5e0d\r\n\r\n");
    QVERIFY(wrong.rfind("HTTP/1.1 403", 0) == 0);
    TapClient::Request r;
    r.token = token;
    auto client = TapClient::connect(*addr, r, std::chrono::seconds(5));
    QVERIFY(client.ok());
    auto hello = readUntil(*client, [](const Json& j) { return j["type"] == "hello"; });
    QVERIFY(!hello.empty());
    QVERIFY(hello.back().dump().find(token) == std::string::npos);
}

void TestTapServer::servesOnUnixSocket() {
    QTemporaryDir dir;
    InProcessBus bus;
    auto o = optionsFor(bus);
    const std::string path = dir.path().toStdString() + "/tap.sock";
    o.listen = net::Address::uds(path);
    TapServer tap(o);
    auto addr = tap.start();
    QVERIFY(addr.ok());
    QCOMPARE(addr->toString(), "unix://" + path);
    auto client = TapClient::connect(*addr, {}, std::chrono::seconds(5));
    QVERIFY(client.ok());
    auto lines = readUntil(
        *client, [](const Json& j) { return j["type"] == "event"; },
        [&bus] { bus.publish(rpcEvent("rpc.server", "echo", "ok")); });
    QVERIFY(!lines.empty() && lines.back()["type"] == "event");
    tap.stop();
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
}

void TestTapServer::noSubscriptionWithoutSubscribers() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus));
    QVERIFY(tap.start().ok());
    // An idle tap costs producers nothing: they may skip building events.
    QVERIFY(!bus.hasSubscribers());
    {
        auto client = TapClient::connect(*tap.address(), {}, std::chrono::seconds(5));
        QVERIFY(client.ok());
        QTRY_VERIFY_WITH_TIMEOUT(bus.hasSubscribers(), 20000);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!bus.hasSubscribers(), 20000);
}

QTEST_GUILESS_MAIN(TestTapServer)
#include "test_tap_server.moc"
