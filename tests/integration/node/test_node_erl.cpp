#include "meshx_test.h"

#include <unistd.h>

#include <QRandomGenerator>
#include <QRegularExpression>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "erl_peer.h"
#include "node/callback_endpoint_resolver.h"
#include "node/node.h"
#include "node/node_error.h"

using namespace meshx;
using namespace meshx::node;
using namespace std::chrono_literals;

namespace {

// Names only need to be unique per test: without EPMD nothing registers them.
std::string uniqueName(const char* base) {
    static int counter = 0;
    return std::string(base) + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

QString randomCookie() {
    return QStringLiteral("meshx-cookie-%1").arg(QRandomGenerator::global()->generate64(), 0, 16);
}

// Resolves node names straight to local ports, as the mesh upstream will; any thread.
class PortBook {
  public:
    void set(const std::string& node, quint16 port) {
        std::lock_guard lock(mutex_);
        ports_[node] = port;
    }
    int calls() const { return calls_.load(); }
    std::shared_ptr<NodeEndpointResolver> resolver() {
        return std::make_shared<CallbackEndpointResolver>(
            [this](const NodeName& remote, const NodeName&) -> Result<net::Address> {
                ++calls_;
                std::lock_guard lock(mutex_);
                auto it = ports_.find(remote.toString());
                if (it == ports_.end()) {
                    return makeError(Code::NotFound, "unknown node " + remote.toString());
                }
                return net::Address::tcp("127.0.0.1", it->second);
            });
    }

  private:
    std::mutex mutex_;
    std::map<std::string, quint16> ports_;
    std::atomic<int> calls_{0};
};

std::optional<PeerInfo> findPeer(const Node& node, const std::string& name) {
    for (const auto& p : node.list()) {
        if (p.name == name) {
            return p;
        }
    }
    return std::nullopt;
}

QString text(const Result<Term>& r) {
    return r ? QString::fromStdString(r->toString())
             : QStringLiteral("ERROR ") + QString::fromStdString(r.error().toString());
}

}  // namespace

class TestNodeErl : public QObject {
    Q_OBJECT

  private:
    QString cookie_ = randomCookie();

    Status startNode(Node& node, const std::string& name) {
        return node.start(name, cookie_.toStdString(), net::Address::tcp("127.0.0.1", 0));
    }

  private slots:
    // The seed's E1 without the mesh: connect, list, rpc of node/0 and getpid/0, args parsed
    // from text, spawn, exceptions as typed errors, disconnect and reconnect.
    void callsARealErlPeer() {
        const std::string peerName = uniqueName("peer") + "@any";
        ErlPeer peer;
        quint16 port = ErlPeer::freePort();
        QVERIFY2(peer.startListening(QString::fromStdString(peerName), cookie_, port),
                 qPrintable(peer.output()));
        PortBook book;
        book.set(peerName, port);
        Node node(book.resolver());
        QVERIFY(startNode(node, uniqueName("cli") + "@127.0.0.1").ok());

        QVERIFY(node.connect(peerName).ok());
        auto listed = findPeer(node, peerName);
        QVERIFY(listed.has_value());
        QCOMPARE(listed->direction, PeerDirection::Outgoing);
        QCOMPARE(listed->handshakes, uint64_t(1));
        QCOMPARE(listed->endpoint, "tcp://127.0.0.1:" + std::to_string(port));

        QCOMPARE(text(node.rpc(peerName, "erlang", "node", "[]")),
                 QString::fromStdString(peerName));
        QCOMPARE(text(node.rpc(peerName, "os", "getpid", "[]")),
                 QStringLiteral("\"%1\"").arg(peer.pid()));
        QCOMPARE(text(node.rpc(peerName, "lists", "reverse", "[[a, {b, 1}, \"c\"]]")),
                 QStringLiteral("[\"c\",{b,1},a]"));
        QCOMPARE(text(node.rpc(peerName, "lists", "reverse", "[\"abc\"]")),
                 QStringLiteral("\"cba\""));
        QCOMPARE(text(node.rpc(peerName, "maps", "get", "[k, #{k => <<\"v\">>}]")),
                 QStringLiteral("<<\"v\">>"));
        QCOMPARE(text(node.rpc(peerName, "erlang", "*", "[123456789012345678901234567890, 1000]")),
                 QStringLiteral("123456789012345678901234567890000"));
        QCOMPARE(text(node.rpc(peerName, "erlang", "float_to_list", "[1.0e-5, [short]]")),
                 QStringLiteral("\"1.0e-5\""));
        QCOMPARE(listed->handshakes, findPeer(node, peerName)->handshakes);  // one connection

        // spawn returns the pid as the peer prints it, and the peer knows that process.
        auto pid = node.spawn(peerName, "timer", "sleep", "[60000]");
        QVERIFY2(pid.ok(), qPrintable(text(pid)));
        QVERIFY2(QRegularExpression("^<0\\.\\d+\\.\\d+>$")
                     .match(QString::fromStdString(pid->toString()))
                     .hasMatch(),
                 qPrintable(text(pid)));
        auto processes = node.rpc(peerName, "erlang", "processes", "[]");
        QVERIFY(processes.ok());
        QVERIFY(processes->toString().find(pid->toString()) != std::string::npos);

        // Remote exceptions come back typed, with the Erlang term.
        auto badarg = node.rpc(peerName, "erlang", "list_to_integer", "[\"abc\"]");
        QVERIFY(!badarg.ok());
        QCOMPARE(badarg.error().code, Code::RemoteError);
        auto reason = remoteExceptionReason(badarg.error());
        QVERIFY2(reason.has_value(), badarg.error().toString().c_str());
        QVERIFY2(reason->rfind("{'EXIT',{badarg,[{erlang,list_to_integer,[\"abc\"]", 0) == 0,
                 reason->c_str());
        auto undef = node.rpc(peerName, "no_such_module", "f", "[1]");
        QVERIFY(!undef.ok());
        QVERIFY2(undef.error().message.find("badrpc from " + peerName +
                                            ": {'EXIT',{undef,[{no_such_module,f,[1],[]}") == 0,
                 undef.error().message.c_str());

        // Bad input is refused locally, and the node keeps working.
        auto malformed = node.rpc(peerName, "lists", "reverse", "[[1, 2]");
        QVERIFY(!malformed.ok());
        QCOMPARE(malformed.error().code, Code::ParseError);
        QVERIFY(malformed.error().message.find("line 1, column 8") != std::string::npos);
        auto notList = node.rpc(peerName, "lists", "reverse", "{1}");
        QCOMPARE(notList.error().code, Code::InvalidArgument);
        auto badNode = node.rpc("no-at-sign", "erlang", "node", "[]");
        QCOMPARE(badNode.error().code, Code::InvalidArgument);
        auto unknown = node.rpc("ghost@nowhere", "erlang", "node", "[]");
        QCOMPARE(unknown.error().code, Code::NotFound);

        // A call that outlives its timeout fails alone; its late reply is dropped.
        auto slow = node.rpc(peerName, "timer", "sleep", "[1500]", 100ms);
        QCOMPARE(slow.error().code, Code::Timeout);
        QCOMPARE(text(node.rpc(peerName, "erlang", "node", "[]")),
                 QString::fromStdString(peerName));
        QTRY_COMPARE_WITH_TIMEOUT(findPeer(node, peerName).value_or(PeerInfo{}).lateReplies,
                                  uint64_t(1), 10000);

        QVERIFY(node.disconnect(peerName).ok());
        QVERIFY(!findPeer(node, peerName).has_value());
        QCOMPARE(node.disconnect(peerName).error().code, Code::NotFound);
        QCOMPARE(text(node.rpc(peerName, "erlang", "node", "[]")),
                 QString::fromStdString(peerName));
        QCOMPARE(findPeer(node, peerName)->handshakes, uint64_t(2));
    }

    // Our printing is Erlang's: for each term, erl's own io_lib:format("~p") text equals ours,
    // and the term survives the trip through erl (our encoding decoded there, its encoding
    // decoded here).
    void printsTermsLikeErlAndRoundTripsThem() {
        const std::string peerName = uniqueName("printer") + "@any";
        ErlPeer peer;
        quint16 port = ErlPeer::freePort();
        QVERIFY(peer.startListening(QString::fromStdString(peerName), cookie_, port));
        PortBook book;
        book.set(peerName, port);
        Node node(book.resolver());
        QVERIFY(startNode(node, uniqueName("cli") + "@127.0.0.1").ok());

        auto literal = [](const std::string& text) {
            std::string out = "\"";
            for (char c : text) {
                if (c == '"' || c == '\\') {
                    out += '\\';
                }
                out += c;
            }
            return out + "\"";
        };
        const char* samples[] = {"{ok,[1,2,3],\"abc\",<<\"x\">>,#{a => 1,b => [x]}}",
                                 "[-1.5e-7,1.0e300,'A b',<<0,255>>,[a|b]]",
                                 "123456789012345678901234567890",
                                 "{0.1,100.0,1.0e3,-0.0015,12345678.9}",
                                 "\"tab\\there \\\"q\\\"\"",
                                 "{'receive','Abc',a@b,'hello world','',[]}",
                                 "[\"héllo\",<<\"ÿ\">>]",
                                 "{#{},{},<<>>,-9223372036854775808}"};
        for (const char* sample : samples) {
            auto mine = Term::parse(sample);
            QVERIFY2(mine.ok(), sample);
            auto echoed = node.rpc(peerName, "erlang", "hd", "[[" + std::string(sample) + "]]");
            QCOMPARE(text(echoed), QString::fromStdString(mine->toString()));

            auto deep =
                node.rpc(peerName, "io_lib", "format", "[\"~p\", [" + std::string(sample) + "]]");
            QVERIFY2(deep.ok(), qPrintable(text(deep)));
            auto flat = node.rpc(peerName, "lists", "flatten", "[" + deep->toString() + "]");
            QVERIFY2(flat.ok(), qPrintable(text(flat)));
            auto expected = Term::parse(literal(mine->toString()));
            QVERIFY(expected.ok());
            QCOMPARE(text(flat), QString::fromStdString(expected->toString()));
        }
    }

    void peerDyingMidCallIsATypedError() {
        const std::string peerName = uniqueName("dying") + "@any";
        ErlPeer peer;
        quint16 port = ErlPeer::freePort();
        // `gate` takes a gen_server call, says so on stdout, and never answers it.
        QString gate =
            "register(gate, spawn(fun G() -> receive {'$gen_call', _, _} -> "
            "io:format(\"gate-entered~n\"), G() end end))";
        QVERIFY2(peer.startListening(QString::fromStdString(peerName), cookie_, port, gate),
                 qPrintable(peer.output()));
        PortBook book;
        book.set(peerName, port);
        Node node(book.resolver());
        QVERIFY(startNode(node, uniqueName("cli") + "@127.0.0.1").ok());
        QVERIFY(node.connect(peerName).ok());

        std::optional<Result<Term>> result;
        std::thread caller([&] {
            result = node.rpc(peerName, "gen_server", "call", "[gate, hello, infinity]", 60s);
        });
        bool entered = peer.waitForOutput("gate-entered");
        peer.kill();
        caller.join();
        QVERIFY2(entered, qPrintable(peer.output()));
        QVERIFY(result.has_value());
        QVERIFY(!result->ok());
        QCOMPARE(result->error().code, Code::Closed);
        QVERIFY2(result->error().message.find("lost during the call") != std::string::npos,
                 result->error().message.c_str());

        // The node runs on: the dead peer is gone from the list and cannot be reached.
        QVERIFY(node.isStarted());
        QVERIFY(!findPeer(node, peerName).has_value());
        QCOMPARE(node.rpc(peerName, "erlang", "node", "[]").error().code, Code::IoError);
    }

    // The seed's E2: two peers serve one node name; the resolver (the sidecar's role) picks a
    // live one. Kill the one that answered: the next rpc reconnects to the other through the
    // same resolver with a fresh handshake, and a reconnect still checks the cookie.
    void failsOverToAnotherPeerWithTheSameName() {
        const std::string service = "service@any";
        ErlPeer first;
        ErlPeer second;
        ErlPeer impostor;  // same name, another cookie
        QVERIFY(first.startListening("service@any", cookie_, ErlPeer::freePort()));
        QVERIFY(second.startListening("service@any", cookie_, ErlPeer::freePort()));
        QVERIFY(impostor.startListening("service@any", randomCookie(), ErlPeer::freePort()));
        std::vector<ErlPeer*> instances = {&first, &second, &impostor};
        std::atomic<int> resolves{0};
        auto resolver = std::make_shared<CallbackEndpointResolver>(
            [&](const NodeName& remote, const NodeName&) -> Result<net::Address> {
                ++resolves;
                for (auto* p : instances) {
                    if (remote.toString() == service && p->isRunning()) {
                        return net::Address::tcp("127.0.0.1", p->port());
                    }
                }
                return makeError(Code::NotFound, "no healthy instance of " + remote.toString());
            });
        Node node(resolver);
        QVERIFY(startNode(node, uniqueName("cli") + "@127.0.0.1").ok());

        QCOMPARE(text(node.rpc(service, "os", "getpid", "[]")),
                 QStringLiteral("\"%1\"").arg(first.pid()));
        QCOMPARE(findPeer(node, service)->handshakes, uint64_t(1));
        QCOMPARE(resolves.load(), 1);

        // The node notices the break on its own (the sidecar closing our upstream connection
        // looks the same). A call racing with the break fails with Closed instead: it may have
        // run, so it is not repeated for the caller.
        first.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!findPeer(node, service).has_value(), 10000);
        QCOMPARE(text(node.rpc(service, "os", "getpid", "[]")),
                 QStringLiteral("\"%1\"").arg(second.pid()));
        QCOMPARE(text(node.rpc(service, "erlang", "node", "[]")), QStringLiteral("service@any"));
        QCOMPARE(findPeer(node, service)->handshakes, uint64_t(2));
        QCOMPARE(resolves.load(), 2);

        second.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!findPeer(node, service).has_value(), 10000);
        auto refused = node.rpc(service, "os", "getpid", "[]");
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, Code::PermissionDenied);
        QVERIFY2(refused.error().message.find(kWrongCookie) == 0, refused.error().message.c_str());
        QCOMPARE(resolves.load(), 3);
    }

    void wrongCookieIsRefusedClearly() {
        const std::string peerName = uniqueName("other") + "@any";
        const QString otherCookie = randomCookie();
        ErlPeer peer;
        quint16 port = ErlPeer::freePort();
        QVERIFY(peer.startListening(QString::fromStdString(peerName), otherCookie, port));
        PortBook book;
        book.set(peerName, port);
        Node node(book.resolver());
        QVERIFY(startNode(node, uniqueName("cli") + "@127.0.0.1").ok());

        auto s = node.connect(peerName);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, Code::PermissionDenied);
        QCOMPARE(s.error().message, std::string(kWrongCookie) + " (node " + peerName +
                                        " at tcp://127.0.0.1:" + std::to_string(port) + ")");
        QVERIFY(s.error().message.find(cookie_.toStdString()) == std::string::npos);
        QVERIFY(s.error().message.find(otherCookie.toStdString()) == std::string::npos);
        QVERIFY(node.list().empty());

        // Nothing listening at all is a different error.
        book.set("nobody@any", ErlPeer::freePort());
        QCOMPARE(node.connect("nobody@any").error().code, Code::IoError);
    }

    // A real erl node dials us (no EPMD on either side): accepted with the right cookie, its
    // messages arrive, and the connection serves our rpc without the resolver; refused with a
    // wrong one.
    void acceptsAnErlNodeThatConnectsIn() {
        PortBook book;  // knows no one: rpc must use the incoming connection
        Node node(book.resolver());
        const std::string self = uniqueName("cli") + "@127.0.0.1";
        QVERIFY(startNode(node, self).ok());
        quint16 ourPort = node.listenAddress()->port();
        QVERIFY(ourPort != 0);

        const std::string inName = uniqueName("in") + "@127.0.0.1";
        QString eval = QStringLiteral(
                           "R = net_kernel:connect_node('%1'), "
                           "io:format(\"connect=~p~n\", [R]), "
                           "{meshx, '%1'} ! {hello, node()}")
                           .arg(QString::fromStdString(self));
        ErlPeer in;
        QVERIFY2(in.startDialling(QString::fromStdString(inName), cookie_, ourPort, eval),
                 qPrintable(in.output()));
        QVERIFY2(in.output().contains("connect=true"), qPrintable(in.output()));
        QTRY_VERIFY_WITH_TIMEOUT(findPeer(node, inName).has_value(), 10000);
        QCOMPARE(findPeer(node, inName)->direction, PeerDirection::Incoming);

        auto msg = node.receive(10s);
        QVERIFY(msg.has_value());
        QCOMPARE(msg->to, std::string("meshx"));
        QCOMPARE(msg->peer, inName);
        QCOMPARE(msg->term.toString(), "{hello,'" + inName + "'}");

        QCOMPARE(text(node.rpc(inName, "erlang", "node", "[]")),
                 QStringLiteral("'%1'").arg(QString::fromStdString(inName)));
        QCOMPARE(book.calls(), 0);

        const std::string badName = uniqueName("bad") + "@127.0.0.1";
        ErlPeer bad;
        QVERIFY(bad.startDialling(QString::fromStdString(badName), randomCookie(), ourPort, eval));
        QVERIFY2(bad.output().contains("connect=false"), qPrintable(bad.output()));
        QTRY_VERIFY_WITH_TIMEOUT(node.refusedHandshakes() >= 1, 10000);
        QVERIFY(!findPeer(node, badName).has_value());
        QVERIFY(findPeer(node, inName).has_value());
    }

    // An idle connection stays up because we answer the peer's ticks: with net_ticktime 4 the
    // peer ticks every second and drops a connection silent for about 4 s. Our own patience is
    // left at its 60 s default, so only the peer could end this connection.
    void ticksKeepIdleConnectionsUp() {
        const std::string peerName = uniqueName("ticker") + "@any";
        ErlPeer peer;
        quint16 port = ErlPeer::freePort();
        QVERIFY(peer.startListening(QString::fromStdString(peerName), cookie_, port, {},
                                    {"-kernel", "net_ticktime", "4"}));
        PortBook book;
        book.set(peerName, port);
        Node node(book.resolver());
        const std::string self = uniqueName("cli") + "@127.0.0.1";
        QVERIFY(startNode(node, self).ok());
        QVERIFY(node.connect(peerName).ok());

        // Eight ticks are eight idle seconds, twice the peer's patience.
        auto ticks = [&] {
            auto p = findPeer(node, peerName);
            return p ? p->ticks : 0;
        };
        QTRY_VERIFY_WITH_TIMEOUT(ticks() >= 8 || !findPeer(node, peerName), 60000);
        QVERIFY2(findPeer(node, peerName).has_value(),
                 qPrintable("the peer dropped the idle connection: " + peer.output()));
        QCOMPARE(findPeer(node, peerName)->handshakes, uint64_t(1));
        auto hidden = node.rpc(peerName, "erlang", "nodes", "[hidden]");
        QVERIFY(hidden.ok());
        QVERIFY2(hidden->toString().find("'" + self + "'") != std::string::npos,
                 hidden->toString().c_str());
        QCOMPARE(findPeer(node, peerName)->handshakes, uint64_t(1));
    }

    // A peer that is alive but silent (frozen VM: the socket stays open) is dropped after
    // NodeOptions::tickTimeout, and the node runs on.
    void silentPeerIsDropped() {
        const std::string peerName = uniqueName("frozen") + "@any";
        ErlPeer peer;
        quint16 port = ErlPeer::freePort();
        QVERIFY(peer.startListening(QString::fromStdString(peerName), cookie_, port, {},
                                    {"-kernel", "net_ticktime", "4"}));
        PortBook book;
        book.set(peerName, port);
        NodeOptions options;
        options.tickTimeout = 5000ms;
        Node node(book.resolver(), options);
        QVERIFY(startNode(node, uniqueName("cli") + "@127.0.0.1").ok());
        QVERIFY(node.connect(peerName).ok());
        QTRY_VERIFY_WITH_TIMEOUT(findPeer(node, peerName).value_or(PeerInfo{}).ticks >= 1, 30000);

        peer.pause();
        QTRY_VERIFY_WITH_TIMEOUT(!findPeer(node, peerName).has_value(), 30000);
        QVERIFY(node.isStarted());
    }

    void startTwiceAndStop() {
        PortBook book;
        Node node(book.resolver());
        QCOMPARE(node.connect("a@b").error().code, Code::InvalidState);
        const std::string self = uniqueName("cli") + "@127.0.0.1";
        QVERIFY(startNode(node, self).ok());
        QCOMPARE(startNode(node, self).error().code, Code::AlreadyStarted);
        QCOMPARE(node.name()->toString(), self);
        QCOMPARE(node.rpc(self, "erlang", "node", "[]").error().code, Code::InvalidArgument);
        node.stop();
        QVERIFY(!node.isStarted());
        QVERIFY(!node.listenAddress().has_value());
        QVERIFY(startNode(node, self).ok());
        QCOMPARE(node.start("x", "c", net::Address::tcp("127.0.0.1", 0)).error().code,
                 Code::AlreadyStarted);
        Node other(book.resolver());
        QCOMPARE(other.start("bad name@h", "c", net::Address::tcp("127.0.0.1", 0)).error().code,
                 Code::InvalidArgument);
        QCOMPARE(other.start("x@h", "c", net::Address::uds("/tmp/x.sock")).error().code,
                 Code::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestNodeErl)
#include "test_node_erl.moc"
