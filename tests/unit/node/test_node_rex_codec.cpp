#include "meshx_test.h"

#include "node/node_error.h"
#include "node/rex_codec.h"

using namespace meshx;
using namespace meshx::node;

namespace {

// {rex, <reply text>} encoded as the peer would send it.
std::string rexReply(const char* replyText) {
    auto t = Term::parse(std::string("{rex, ") + replyText + "}");
    return t ? t->external() : std::string();
}

}  // namespace

class TestNodeRexCodec : public QObject {
    Q_OBJECT

  private slots:
    void encodesTheCallRexExpects() {
        LocalPid pid{"cli@h11", 3, 0, 1234};
        auto args = Term::parse("[[1,2,3]]");
        auto bytes = RexCodec::encodeCall(pid, "lists", "reverse", *args);
        QVERIFY(bytes.ok());
        auto t = Term::fromExternal(*bytes, "cli@h11");
        QVERIFY(t.ok());
        QCOMPARE(t->toString(), std::string("{<0.3.0>,{call,lists,reverse,[[1,2,3]],user}}"));
    }

    void refusesBadNamesAndArguments() {
        LocalPid pid{"cli@h11", 1, 0, 5};
        auto noModule = RexCodec::encodeCall(pid, "", "f", Term());
        QVERIFY(!noModule.ok());
        QCOMPARE(noModule.error().code, Code::InvalidArgument);
        auto improper = RexCodec::encodeCall(pid, "m", "f", *Term::parse("[a|b]"));
        QVERIFY(!improper.ok());
        QCOMPARE(improper.error().code, Code::InvalidArgument);
        QVERIFY(improper.error().message.find("[a|b]") != std::string::npos);
        QVERIFY(!RexCodec::encodeCall(pid, "m", "f", *Term::parse("{1}")).ok());
    }

    void spawnArgumentsAreModuleFunctionArgs() {
        auto a = RexCodec::spawnArgs("timer", "sleep", *Term::parse("[1000]"));
        QVERIFY(a.ok());
        QCOMPARE(a->toString(), std::string("[timer,sleep,[1000]]"));
        QVERIFY(!RexCodec::spawnArgs("timer", "sleep", *Term::parse("1000")).ok());
    }

    void decodesAResult() {
        auto r = RexCodec::decodeReply(rexReply("{ok, \"abc\"}"), "p@h");
        QVERIFY(r.ok());
        QCOMPARE(r->toString(), std::string("{ok,\"abc\"}"));
        QCOMPARE(r->homeNode(), std::string("p@h"));
    }

    void badrpcIsARemoteExceptionWithTheTerm() {
        auto r = RexCodec::decodeReply(
            rexReply("{badrpc, {'EXIT', {undef, [{erlang, getpid, [], []}]}}}"), "p@h");
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::RemoteError);
        QCOMPARE(r.error().message,
                 std::string("badrpc from p@h: {'EXIT',{undef,[{erlang,getpid,[],[]}]}}"));
        auto reason = remoteExceptionReason(r.error());
        QVERIFY(reason.has_value());
        QCOMPARE(*reason, std::string("{'EXIT',{undef,[{erlang,getpid,[],[]}]}}"));
        QVERIFY(!remoteExceptionReason(makeError(Code::Internal, "oops")).has_value());
        QVERIFY(
            !remoteExceptionReason(makeError(Code::Internal, "badrpc from a@b: x")).has_value());
    }

    void otherRepliesAreProtocolErrors() {
        auto notRex = RexCodec::decodeReply(Term::parse("{other, 1}")->external(), "p@h");
        QVERIFY(!notRex.ok());
        QCOMPARE(notRex.error().code, Code::ProtocolError);
        QVERIFY(!RexCodec::decodeReply(std::string("\x83", 1), "p@h").ok());
    }

    void wrongCookieMessageNamesNoSecret() {
        auto e = makeHandshakeRefused("a@h", "tcp://127.0.0.1:1");
        QCOMPARE(e.code, Code::PermissionDenied);
        QCOMPARE(e.message, std::string("peer refused the handshake: wrong cookie? (node a@h at "
                                        "tcp://127.0.0.1:1)"));
    }
};

QTEST_APPLESS_MAIN(TestNodeRexCodec)
#include "test_node_rex_codec.moc"
