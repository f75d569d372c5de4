#include <QProcess>

#include <csignal>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "meshx_test.h"

using nlohmann::json;

// `meshx shell --json` as a user drives it: every verb over stdin against a real meshx-agent,
// stand-in proxies from a config file template.
class TestMeshxShell : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    QTemporaryDir dir_;
    QString configPath_;

    // Runs one shell session with `commands` on stdin; returns one JSON reply per line.
    std::vector<json> session(const QStringList& commands) {
        QProcess shell;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHX_CONFIG"), configPath_);
        env.remove(QStringLiteral("CONSUL_HTTP_ADDR"));
        shell.setProcessEnvironment(env);
        shell.start(meshxBinary(QStringLiteral("meshx")),
                    {QStringLiteral("shell"), QStringLiteral("--json"), QStringLiteral("--agent"),
                     agent_->address()});
        if (!shell.waitForStarted(10000)) {
            return {};
        }
        shell.write((commands.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8());
        shell.closeWriteChannel();
        if (!shell.waitForFinished(60000)) {
            shell.kill();
            shell.waitForFinished();
        }
        std::vector<json> replies;
        for (const auto& line : QString::fromUtf8(shell.readAllStandardOutput()).split('\n')) {
            if (!line.trimmed().isEmpty()) {
                replies.push_back(json::parse(line.toStdString(), nullptr, false));
            }
        }
        return replies;
    }

  private slots:
    void initTestCase() {
        agent_ = std::make_unique<AgentProcess>(0);
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        configPath_ = dir_.filePath(QStringLiteral("config.json"));
        QFile f(configPath_);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const json config = {{"port_range", {{"min", 23000}, {"max", 23999}}},
                             {"proxy_template", "sleeper"},
                             {"templates", {{"sleeper", {{"proxy", {"sleep", "60"}}}}}}};
        f.write(QByteArray::fromStdString(config.dump()));
    }

    void everyVerb() {
        auto r = session({"start shellsvc shellsvc-1", "list", "ttl-get shellsvc-1",
                          "ttl-set shellsvc-1 warning", "ttl-get shellsvc-1", "info shellsvc-1",
                          "proxy-info shellsvc-1", "proxy-restart shellsvc-1",
                          "connect up-a up-b --proxy shellproxy", "list-upstream shellproxy",
                          "disconnect up-a --proxy shellproxy", "list-upstream shellproxy", "agent",
                          "stop shellsvc-1", "stop shellsvc-1", "bogus", "quit"});
        QCOMPARE(r.size(), size_t(17));
        QCOMPARE(r[0]["ok"], json(true));
        QCOMPARE(r[0]["service_id"], json("shellsvc-1"));
        QVERIFY(r[0]["address"].get<std::string>().starts_with("tcp://127.0.0.1:23"));
        QCOMPARE(r[1]["services"], json({"shellsvc-1"}));
        QCOMPARE(r[2]["status"], json("passing"));
        QCOMPARE(r[3]["ok"], json(true));
        QCOMPARE(r[4]["status"], json("warning"));
        QCOMPARE(r[5]["info"]["ID"], json("shellsvc-1"));
        QCOMPARE(r[6]["proxy"]["argv"], json({"sleep", "60"}));
        QCOMPARE(r[7]["ok"], json(true));
        QCOMPARE(r[8]["ok"], json(true));
        QCOMPARE(r[8]["upstreams"][0]["address"], json("tcp://127.0.0.1:23999"));
        QCOMPARE(r[8]["upstreams"][1]["address"], json("tcp://127.0.0.1:23998"));
        QCOMPARE(r[9]["upstreams"], json({"up-a", "up-b"}));
        QCOMPARE(r[10]["removed"], json({"up-a"}));
        QCOMPARE(r[11]["upstreams"], json({"up-b"}));
        QCOMPARE(r[12]["datacenter"], json("dc1"));
        QCOMPARE(r[12]["token"], json("none"));
        QCOMPARE(r[13]["ok"], json(true));
        QCOMPARE(r[14]["ok"], json(false));
        QCOMPARE(r[14]["error"], json("service_not_owned"));
        QCOMPARE(r[15]["error"], json("invalid_argument"));
        QCOMPARE(r[16]["bye"], json(true));
    }

    void eofStopsOwnedServicesAndTwoShellsShareNothing() {
        // First shell starts a service and exits on EOF: its service must be gone afterwards,
        // so a second shell can start the same id.
        auto first = session({"start eofsvc eofsvc-1"});
        QCOMPARE(first.size(), size_t(1));
        QCOMPARE(first[0]["ok"], json(true));
        auto second = session({"start eofsvc eofsvc-1", "stop eofsvc-1"});
        QCOMPARE(second[0]["ok"], json(true));
        QCOMPARE(second[1]["ok"], json(true));
    }

    void noOrphanProxyAfterOwnerSigkill() {
        QProcess shell;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHX_CONFIG"), configPath_);
        shell.setProcessEnvironment(env);
        shell.start(meshxBinary(QStringLiteral("meshx")),
                    {QStringLiteral("shell"), QStringLiteral("--json"), QStringLiteral("--agent"),
                     agent_->address()});
        QVERIFY(shell.waitForStarted(10000));
        shell.write("start orphansvc orphansvc-1\nproxy-info orphansvc-1\n");
        QString out;
        QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(shell.readAllStandardOutput()),
                                  out.count(QLatin1Char('\n')) >= 2),
                                 30000);
        const auto lines = out.split(QLatin1Char('\n'));
        const json info = json::parse(lines[1].toStdString());
        const auto pid = static_cast<pid_t>(info["proxy"]["pid"].get<int64_t>());
        QVERIFY(pid > 0);
        QCOMPARE(::kill(pid, 0), 0);
        ::kill(static_cast<pid_t>(shell.processId()), SIGKILL);
        QVERIFY(shell.waitForFinished(10000));
        QTRY_VERIFY_WITH_TIMEOUT(::kill(pid, 0) != 0, 10000);
    }
};

QTEST_GUILESS_MAIN(TestMeshxShell)
#include "test_meshx_shell.moc"
