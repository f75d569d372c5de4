#include <QComboBox>
#include <QTableView>

#include <nlohmann/json.hpp>

#include "common/hostname.h"
#include "console_fixture.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "engine/catalog_watch.h"
#include "mesh/consul_mesh.h"
#include "ui/catalog/catalog_model.h"
#include "ui/catalog/catalog_nodes_model.h"
#include "ui/catalog/catalog_view.h"
#include "ui/services/services_view.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/start_preview.h"

using namespace meshx;
using namespace meshx::ui;
using json = nlohmann::json;

// The Catalog view on a 3-node, 2-datacenter catalog built through the dev agent's
// PUT /v1/catalog/register (as a Consul cluster's servers would hold it), plus a service this
// console starts on the agent's own node: every node with its instances and health, the
// datacenter selector, the node filter, live updates, and read-only rows for other nodes.
class TestCatalogView : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;

    ConsoleContext& context() { return *window_->context(); }
    CatalogView& view() { return *window_->page<CatalogView>(); }

    void put(const char* path, const json& body) {
        auto request = consul::Request::put(path);
        request.body = body.dump();
        auto reply = context().session().api().send(request);
        QVERIFY2(reply.ok(), reply.ok() ? "" : reply.error().toString().c_str());
        QCOMPARE(reply->status, 200);
    }

    void registerInstance(const char* dc, const char* node, const char* address,
                          const char* service, const char* id, int port, const char* status) {
        put("/catalog/register", {{"Datacenter", dc},
                                  {"Node", node},
                                  {"Address", address},
                                  {"Service", {{"Service", service}, {"ID", id}, {"Port", port}}},
                                  {"Check",
                                   {{"CheckID", std::string("check:") + id},
                                    {"Name", std::string(service) + " alive"},
                                    {"ServiceID", id},
                                    {"Status", status}}}});
    }

    // Rows of the instances table as "node/id".
    QStringList shown() {
        QStringList out;
        CatalogModel& m = view().model();
        for (int r = 0; r < m.rowCount(); ++r) {
            out << m.index(r, 0).data(CatalogModel::NodeRole).toString() + QLatin1Char('/') +
                       m.index(r, 0).data(CatalogModel::IdRole).toString();
        }
        out.sort();
        return out;
    }

    QString healthOf(const QString& node, const QString& id) {
        const int row = view().model().rowOf(node, id);
        return row < 0 ? QString()
                       : view().model().index(row, 0).data(CatalogModel::HealthRole).toString();
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_catalog_view");
        window_ = new MainWindow;
        window_->setSession(test::openTestSession());
        window_->show();
        QTRY_VERIFY_WITH_TIMEOUT(context().monitor().hasSelf(), test::kWaitMs);
        // node-b beside the agent in dc1; node-c and node-d in dc2.
        registerInstance("dc1", "node-b", "10.0.0.2", "web", "web-b", 8080, "passing");
        registerInstance("dc2", "node-c", "10.1.0.3", "web", "web-c", 8080, "critical");
        registerInstance("dc2", "node-d", "10.1.0.4", "db", "db-d", 5432, "passing");
        // One instance of ours on the agent's node.
        auto& mesh = context().session().mesh();
        StartPreview::Input in;
        in.name = QStringLiteral("web");
        in.id = QStringLiteral("web-ours");
        in.templateJson = QString::fromStdString(
            context().session().engine().namedTemplate("sleeper")->toJson().dump());
        const StartPreview p =
            StartPreview::build(in, context().session().engine().defaultTemplate(), mesh);
        QVERIFY2(p.ok(), qPrintable(p.error));
        window_->page<ServicesView>()->startService(p, false);
        QTRY_VERIFY_WITH_TIMEOUT(context().owned().count("web-ours") > 0, test::kWaitMs);
    }

    void cleanupTestCase() { delete window_; }

    void ownDatacenterShowsEveryNodeAndInstance() {
        QVERIFY(window_->showTab(QStringLiteral("catalog")));
        const QString self = QString::fromStdString(context().monitor().self().nodeName);
        QTRY_VERIFY_WITH_TIMEOUT(shown().contains(self + QStringLiteral("/web-ours")),
                                 test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(shown().contains(QStringLiteral("node-b/web-b")), test::kWaitMs);
        // dc2's instances are not in dc1's catalog.
        QVERIFY(!shown().contains(QStringLiteral("node-c/web-c")));
        // Nodes: All, the agent's node, node-b.
        CatalogNodesModel& nodes = view().nodesModel();
        QTRY_COMPARE_WITH_TIMEOUT(nodes.rowCount(), 3, test::kWaitMs);
        QVERIFY(nodes.rowOf(self) > 0);
        QVERIFY(nodes.rowOf(QStringLiteral("node-b")) > 0);
        const int b = nodes.rowOf(QStringLiteral("node-b"));
        QCOMPARE(nodes.index(b, CatalogNodesModel::Instances).data().toInt(), 1);
        QCOMPARE(healthOf(QStringLiteral("node-b"), QStringLiteral("web-b")),
                 QStringLiteral("passing"));
        // The datacenter selector lists both, the agent's own first.
        QTRY_COMPARE_WITH_TIMEOUT(view().datacenterBox()->count(), 2, test::kWaitMs);
        QCOMPARE(view().datacenterBox()->itemData(0).toString(), QStringLiteral("dc1"));
        QCOMPARE(view().datacenterBox()->itemData(1).toString(), QStringLiteral("dc2"));
    }

    void onlyOurInstancesKeepControls() {
        const QString self = QString::fromStdString(context().monitor().self().nodeName);
        QTRY_VERIFY_WITH_TIMEOUT(
            view().selectInstance(QStringLiteral("node-b"), QStringLiteral("web-b")),
            test::kWaitMs);
        QVERIFY(!view().stopAction()->isEnabled());
        QCOMPARE(view()
                     .model()
                     .index(view().model().rowOf(QStringLiteral("node-b"), QStringLiteral("web-b")),
                            CatalogModel::Control)
                     .data()
                     .toString(),
                 QStringLiteral("read-only"));
        // Asked anyway (the action is disabled; the method refuses too): nothing is stopped.
        view().stopSelected();
        QCOMPARE(view().hint()->kind(), HintLine::Kind::Error);
        QVERIFY(view().hint()->text().contains(QStringLiteral("read-only")));
        QTRY_VERIFY_WITH_TIMEOUT(view().selectInstance(self, QStringLiteral("web-ours")),
                                 test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(view().stopAction()->isEnabled(), test::kWaitMs);
        QVERIFY(view().model().ownedAt(view().model().rowOf(self, QStringLiteral("web-ours"))));
    }

    void nodeFilterShowsOneNode() {
        QVERIFY(view().selectNode(QStringLiteral("node-b")));
        QCOMPARE(shown(), QStringList{QStringLiteral("node-b/web-b")});
        QVERIFY(view().selectNode(QString()));
        QVERIFY(shown().size() >= 3);  // consul, web-b, web-ours (and its sidecar)
    }

    void otherDatacenter() {
        view().setDatacenter(QStringLiteral("dc2"));
        QTRY_COMPARE_WITH_TIMEOUT(
            shown(), (QStringList{QStringLiteral("node-c/web-c"), QStringLiteral("node-d/db-d")}),
            test::kWaitMs);
        QCOMPARE(view().nodesModel().rowCount(), 3);  // All, node-c, node-d
        QCOMPARE(healthOf(QStringLiteral("node-c"), QStringLiteral("web-c")),
                 QStringLiteral("critical"));
        QVERIFY(view().selectNode(QStringLiteral("node-d")));
        QCOMPARE(shown(), QStringList{QStringLiteral("node-d/db-d")});
        QVERIFY(view().selectNode(QString()));
        // Nothing in dc2 is ours.
        for (int r = 0; r < view().model().rowCount(); ++r) {
            QVERIFY(!view().model().ownedAt(r));
        }
    }

    void followsTheCatalogLive() {
        // Registered and changed by someone else: shows without a refresh (blocking queries).
        const uint64_t reads = view().watch().reads();
        registerInstance("dc2", "node-e", "10.1.0.5", "db", "db-e", 5432, "warning");
        QTRY_VERIFY_WITH_TIMEOUT(shown().contains(QStringLiteral("node-e/db-e")), test::kWaitMs);
        QVERIFY(view().watch().reads() > reads);
        QCOMPARE(healthOf(QStringLiteral("node-e"), QStringLiteral("db-e")),
                 QStringLiteral("warning"));
        QTRY_VERIFY_WITH_TIMEOUT(view().nodesModel().rowOf(QStringLiteral("node-e")) > 0,
                                 test::kWaitMs);
        registerInstance("dc2", "node-c", "10.1.0.3", "web", "web-c", 8080, "passing");
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(QStringLiteral("node-c"), QStringLiteral("web-c")),
                                  QStringLiteral("passing"), test::kWaitMs);
        put("/catalog/deregister", {{"Datacenter", "dc2"}, {"Node", "node-e"}});
        QTRY_VERIFY_WITH_TIMEOUT(!shown().contains(QStringLiteral("node-e/db-e")), test::kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(view().nodesModel().rowOf(QStringLiteral("node-e")), -1,
                                  test::kWaitMs);
    }

    void stopOursFromTheCatalog() {
        view().setDatacenter(QStringLiteral("dc1"));
        const QString self = QString::fromStdString(context().monitor().self().nodeName);
        QTRY_VERIFY_WITH_TIMEOUT(view().selectInstance(self, QStringLiteral("web-ours")),
                                 test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(view().stopAction()->isEnabled(), test::kWaitMs);
        view().stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!shown().contains(self + QStringLiteral("/web-ours")),
                                 test::kWaitMs);
        QVERIFY(shown().contains(QStringLiteral("node-b/web-b")));  // others untouched
        QCOMPARE(context().owned().count("web-ours"), size_t{0});
    }
};

QTEST_MAIN(TestCatalogView)
#include "test_catalog_view.moc"
