#include "meshx_test.h"

#include "node/callback_endpoint_resolver.h"
#include "node/node.h"
#include "node/node_interpreter.h"

using namespace meshx;
using namespace meshx::node;
using nlohmann::json;

// The `meshx node` language without any peer: word splitting, usage errors, the reply shapes,
// and errors of the node passed through typed. (Calls to real peers: test_node_mesh.)
class TestNodeInterpreter : public QObject {
    Q_OBJECT

    static std::shared_ptr<NodeEndpointResolver> nobody() {
        return std::make_shared<CallbackEndpointResolver>(
            [](const NodeName& remote, const NodeName&) -> Result<net::Address> {
                return makeError(Code::NotFound, "unknown node " + remote.toString());
            });
    }

  private slots:
    void verbsAndErrors() {
        Node node(nobody());
        NodeInterpreter in(node, nullptr);
        QVERIFY(in.execute("").json.is_null());
        QVERIFY(in.execute("   \t").json.is_null());
        QCOMPARE(in.execute("bogus").json["error"], json("invalid_argument"));
        QCOMPARE(in.execute("connect").json["error"], json("invalid_argument"));
        QCOMPARE(in.execute("connect a@b extra").json["error"], json("invalid_argument"));
        QCOMPARE(in.execute("rpc a@b erlang").json["error"], json("invalid_argument"));
        // Not started yet.
        QCOMPARE(in.execute("connect a@b").json["error"], json("invalid_state"));
        QCOMPARE(in.execute("services").json["error"], json("invalid_state"));
        QCOMPARE(in.execute("list").json, json({{"ok", true}, {"nodes", json::array()}}));
        auto help = in.execute("help");
        QCOMPARE(help.json["ok"], json(true));
        QVERIFY(help.text.find("rpc NODE MOD FUN [ARGS]") != std::string::npos);

        QVERIFY(
            node.start("cli@127.0.0.1", "secret-cookie-x", net::Address::tcp("127.0.0.1", 0)).ok());
        // ARGS is the rest of the line, spaces and all; parse errors say where.
        auto malformed = in.execute("rpc a@b lists reverse [[1, 2]");
        QCOMPARE(malformed.json["error"], json("parse_error"));
        QVERIFY(malformed.text.starts_with("error: parse_error: "));
        auto unknown = in.execute("rpc  ghost@nowhere   erlang node   [ ]  ");
        QCOMPARE(unknown.json["error"], json("not_found"));
        QCOMPARE(unknown.json["message"], json("unknown node ghost@nowhere"));
        QCOMPARE(in.execute("spawn bad-name m f []").json["error"], json("invalid_argument"));
        QCOMPARE(in.execute("disconnect a@b").json["error"], json("not_found"));
        QCOMPARE(in.execute("rpc cli@127.0.0.1 erlang node []").json["error"],
                 json("invalid_argument"));
        for (const char* line : {"rpc a@b m f [", "connect a@b", "list", "help"}) {
            QVERIFY(in.execute(line).json.dump().find("secret-cookie-x") == std::string::npos);
        }
        auto quit = in.execute("quit");
        QVERIFY(quit.quit);
        QCOMPARE(quit.json, json({{"ok", true}, {"bye", true}}));
        QVERIFY(node.isStarted());
    }
};

QTEST_GUILESS_MAIN(TestNodeInterpreter)
#include "test_node_interpreter.moc"
