// IntentionMatcher: Consul's precedence table, evaluation order, authorize decisions and texts.

#include <QFile>
#include <nlohmann/json.hpp>

#include "agent/ca/intention_matcher.h"
#include "meshx_test.h"

using namespace meshx::agent;
using meshx::Code;

namespace {

IntentionRule rule(std::string source, std::string destination, std::string action,
                   std::size_t permissions = 0) {
    IntentionRule r;
    r.sourceName = std::move(source);
    r.destinationName = std::move(destination);
    r.action = std::move(action);
    r.permissionCount = permissions;
    return r;
}

IntentionMatcher matcher(std::vector<IntentionRule> rules) {
    auto m = IntentionMatcher::create(std::move(rules));
    if (!m) {
        qFatal("IntentionMatcher::create failed: %s", m.error().message.c_str());
    }
    return std::move(*m);
}

}  // namespace

class TestIntentionMatcher : public QObject {
    Q_OBJECT

  private slots:
    void precedenceTable() {
        QCOMPARE(IntentionMatcher::precedence("web", "db"), 9);
        QCOMPARE(IntentionMatcher::precedence("*", "db"), 8);
        QCOMPARE(IntentionMatcher::precedence("web", "*"), 6);
        QCOMPARE(IntentionMatcher::precedence("*", "*"), 5);
    }

    void sortsByPrecedenceThenNames() {
        const IntentionMatcher m = matcher(
            {rule("*", "*", "deny"), rule("web", "*", "allow"), rule("*", "db", "deny"),
             rule("web", "db", "allow"), rule("api", "db", "deny"), rule("web", "cache", "allow")});
        std::vector<std::string> order;
        for (const auto& r : m.rules()) {
            order.push_back(r.sourceName + ">" + r.destinationName + ":" +
                            std::to_string(r.precedence));
        }
        const std::vector<std::string> expected = {"api>db:9", "web>cache:9", "web>db:9",
                                                   "*>db:8",   "web>*:6",     "*>*:5"};
        QCOMPARE(order, expected);
    }

    // The match fixture lists billing (deny) before web (allow): both 9, names in order.
    void matchOrderAgreesWithFixture() {
        QFile file(QStringLiteral(MESHX_TEST_DATA_DIR "/consul/connect-intentions-match.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto fixture = nlohmann::json::parse(file.readAll().toStdString());
        std::vector<IntentionRule> rules;
        std::vector<std::string> fixtureOrder;
        for (const auto& ixn : fixture["db"]) {
            fixtureOrder.push_back(ixn["SourceName"].get<std::string>());
            IntentionRule r = rule(ixn["SourceName"], ixn["DestinationName"], ixn["Action"]);
            r.id = ixn["ID"];
            rules.insert(rules.begin(), r);  // reversed on purpose
        }
        const IntentionMatcher m = matcher(rules);
        std::vector<std::string> order;
        for (const auto& r : m.matchDestination("db")) {
            order.push_back(r.sourceName);
        }
        QCOMPARE(order, fixtureOrder);
        QCOMPARE(m.matchDestination("other").size(), std::size_t{0});
        QCOMPARE(m.matchSource("web").size(), std::size_t{1});
    }

    void exactBeatsWildcard() {
        const IntentionMatcher m = matcher({rule("*", "db", "deny"), rule("web", "db", "allow")});
        const auto web = m.authorize("web", "db", true);
        QVERIFY(web.authorized);
        QCOMPARE(web.reason,
                 std::string("Matched L4 intention: web => db (Precedence: 9, Action: ALLOW)"));
        QVERIFY(web.matched && web.matched->sourceName == "web");
        const auto other = m.authorize("billing", "db", true);
        QVERIFY(!other.authorized);
        QCOMPARE(other.reason,
                 std::string("Matched L4 intention: * => db (Precedence: 8, Action: DENY)"));
        // a destination without intentions falls back to the default
        const auto free = m.authorize("web", "cache", true);
        QVERIFY(free.authorized);
        QCOMPARE(free.reason, std::string("Default behavior configured by ACLs"));
        QVERIFY(!free.matched);
        QVERIFY(!m.authorize("web", "cache", false).authorized);
    }

    void wildcardDestinations() {
        const IntentionMatcher m =
            matcher({rule("*", "*", "deny"), rule("web", "*", "allow"), rule("*", "db", "allow")});
        QVERIFY(m.authorize("web", "anything", true).authorized);   // 6 beats 5
        QVERIFY(!m.authorize("api", "anything", true).authorized);  // 5
        QVERIFY(m.authorize("api", "db", false).authorized);        // 8 beats 5
        QVERIFY(!matcher({rule("*", "*", "deny")}).authorize("a", "b", true).authorized);
    }

    // L7 intentions (Permissions) need an L7 proxy; authorize denies them.
    void l7IntentionDenies() {
        const IntentionMatcher m = matcher({rule("web", "db", "", 2), rule("*", "db", "allow")});
        const auto d = m.authorize("web", "db", true);
        QVERIFY(!d.authorized);
        QCOMPARE(d.reason,
                 std::string("Matched L7 intention: web => db (Precedence: 9, Permissions: 2)"));
        QVERIFY(m.authorize("api", "db", false).authorized);
    }

    void legacyIntentionSummaryCarriesTheId() {
        IntentionRule r = rule("web", "db", "allow");
        r.id = "e9ebc19f-d481-42b1-4871-4d298d3acd5c";
        const IntentionMatcher m = matcher({r});
        QCOMPARE(
            m.authorize("web", "db", false).reason,
            std::string("Matched L4 intention: web => db (ID: "
                        "e9ebc19f-d481-42b1-4871-4d298d3acd5c, Precedence: 9, Action: ALLOW)"));
    }

    void invalidIntentionsAreRefused() {
        const auto message = [](IntentionRule r) {
            auto m = IntentionMatcher::create({std::move(r)});
            return m.ok() ? std::string("accepted") : m.error().message;
        };
        QCOMPARE(
            message(rule("web*", "db", "allow")),
            std::string("SourceName: wildcard character '*' cannot be used with partial values"));
        QCOMPARE(message(rule("web", "*db", "allow")),
                 std::string(
                     "DestinationName: wildcard character '*' cannot be used with partial values"));
        QCOMPARE(message(rule("", "db", "allow")), std::string("SourceName must be set"));
        QCOMPARE(message(rule("web", "", "allow")), std::string("DestinationName must be set"));
        QCOMPARE(message(rule("web", "db", "maybe")),
                 std::string("Action must be set to 'allow' or 'deny'"));
        QCOMPARE(message(rule("web", "db", "allow", 1)),
                 std::string("Action must not be set when Permissions are present"));
        QCOMPARE(IntentionMatcher::validate(rule("web*", "db", "allow")).error().code,
                 Code::InvalidArgument);
        QVERIFY(IntentionMatcher::validate(rule("*", "*", "deny")).ok());
    }
};

QTEST_APPLESS_MAIN(TestIntentionMatcher)
#include "test_intention_matcher.moc"
