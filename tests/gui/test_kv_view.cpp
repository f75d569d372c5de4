#include <QComboBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>

#include <atomic>
#include <thread>

#include "console_fixture.h"
#include "consul/consul_client.h"
#include "consul/kv_endpoints.h"
#include "engine/kv_watch.h"
#include "ui/kv/kv_model.h"
#include "ui/kv/kv_value_format.h"
#include "ui/kv/kv_view.h"
#include "ui/shared/first_run_guide.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_session.h"

using namespace meshx;
using namespace meshx::ui;
namespace ep = meshx::consul::endpoints;

// The KV view on the embedded dev agent: browse by prefix, text/JSON/hex values, create, delete
// (recursive after confirmation), the live watch, and check-and-set on save against a real
// second client writing the same key (the concurrent writer): a conflict shows both versions and
// nothing is overwritten until the user says so.
class TestKvView : public QObject {
    Q_OBJECT

  private:
    std::unique_ptr<ConsoleSession> session_;
    std::unique_ptr<consul::ConsulClient> writer_;  // someone else, on its own connection
    KvView* view_ = nullptr;

    std::optional<std::string> stored(const std::string& key) {
        auto value = writer_->call(ep::kvGet(key));
        if (!value) {
            qWarning("kv get: %s", value.error().toString().c_str());
            return std::nullopt;
        }
        return value->value;
    }

    void write(const std::string& key, const std::string& value) {
        auto ok = writer_->call(ep::kvPut(key, value));
        QVERIFY(ok.ok() && *ok);
    }

    QStringList rows() {
        QStringList out;
        for (int r = 0; r < view_->model().rowCount(); ++r) {
            out << view_->model().index(r, 0).data(KvModel::FullKeyRole).toString();
        }
        return out;
    }

    QModelIndex rowOf(const QString& key) {
        for (int r = 0; r < view_->model().rowCount(); ++r) {
            const QModelIndex idx = view_->model().index(r, 0);
            if (idx.data(KvModel::FullKeyRole).toString() == key) {
                return idx;
            }
        }
        return {};
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_kv_view");
        session_ = test::openTestSession();
        auto writer = consul::ConsulClient::create(session_->config());
        QVERIFY(writer.ok());
        writer_ = std::move(*writer);
        view_ = new KvView(session_->engine());
        view_->resize(1000, 600);
        view_->show();
    }

    void cleanupTestCase() {
        delete view_;
        writer_.reset();
        session_.reset();
    }

    void emptyStoreGuides() {
        QTRY_VERIFY_WITH_TIMEOUT(view_->model().loaded(), test::kWaitMs);
        QCOMPARE(view_->model().rowCount(), 0);
        QVERIFY(view_->guide()->isVisible());
        auto* button = view_->guide()->findChild<QPushButton*>(QStringLiteral("guideNewKey"));
        QVERIFY(button);
        button->click();
        QVERIFY(!view_->keyEdit()->isReadOnly());
    }

    void browsesByPrefix() {
        write("config/app/greeting", "hello");
        write("config/app/settings.json", R"({"retries": 3, "hosts": ["a", "b"]})");
        write("config/blob", std::string("\x00\x01\xff\x7f", 4));
        write("config/deep/x/y", "z");
        write("other/key", "elsewhere");
        view_->setPrefix(QStringLiteral("config/"));
        // Folders first, then keys; only what lies directly below the prefix.
        QTRY_COMPARE_WITH_TIMEOUT(
            rows(),
            (QStringList{QStringLiteral("config/app/"), QStringLiteral("config/deep/"),
                         QStringLiteral("config/blob")}),
            test::kWaitMs);
        QVERIFY(!view_->guide()->isVisible());
        QCOMPARE(view_->model().index(0, KvModel::Kind).data().toString(),
                 QStringLiteral("2 key(s)"));
        QCOMPARE(view_->model().index(2, KvModel::Kind).data().toString(), QStringLiteral("Hex"));
        // Opening a folder moves the prefix into it.
        view_->table()->doubleClicked(rowOf(QStringLiteral("config/app/")));
        QTRY_COMPARE_WITH_TIMEOUT(rows(),
                                  (QStringList{QStringLiteral("config/app/greeting"),
                                               QStringLiteral("config/app/settings.json")}),
                                  test::kWaitMs);
    }

    void jsonIsValidatedBeforeSaving() {
        QVERIFY(view_->openKey(QStringLiteral("config/app/settings.json")));
        QCOMPARE(view_->format()->currentText(), QStringLiteral("JSON"));
        view_->editor()->setPlainText(QStringLiteral(R"({"retries": 4,)"));
        view_->save();
        QCOMPARE(view_->hint()->kind(), HintLine::Kind::Error);
        QVERIFY(view_->hint()->text().contains(QStringLiteral("Not valid JSON")));
        QCOMPARE(*stored("config/app/settings.json"),
                 std::string(R"({"retries": 3, "hosts": ["a", "b"]})"));
        view_->editor()->setPlainText(QStringLiteral(R"({"retries": 4})"));
        view_->save();
        QTRY_COMPARE_WITH_TIMEOUT(stored("config/app/settings.json").value_or(""),
                                  std::string(R"({"retries": 4})"), test::kWaitMs);
    }

    void binaryShowsAsHexAndSavesBytes() {
        view_->setPrefix(QStringLiteral("config/"));
        QTRY_VERIFY_WITH_TIMEOUT(view_->openKey(QStringLiteral("config/blob")), test::kWaitMs);
        QCOMPARE(view_->format()->currentText(), QStringLiteral("Hex"));
        QCOMPARE(view_->editor()->toPlainText(), QStringLiteral("00 01 ff 7f"));
        view_->editor()->setPlainText(QStringLiteral("00 01 fe"));
        view_->save();
        QTRY_COMPARE_WITH_TIMEOUT(stored("config/blob").value_or(""),
                                  std::string("\x00\x01\xfe", 3), test::kWaitMs);
        view_->editor()->setPlainText(QStringLiteral("00 0g"));
        view_->save();
        QCOMPARE(view_->hint()->kind(), HintLine::Kind::Error);
        QCOMPARE(stored("config/blob").value_or(""), std::string("\x00\x01\xfe", 3));
    }

    void concurrentWriterIsNeverOverwritten() {
        view_->setPrefix(QStringLiteral("config/app/"));
        QTRY_VERIFY_WITH_TIMEOUT(view_->openKey(QStringLiteral("config/app/greeting")),
                                 test::kWaitMs);
        const uint64_t opened = view_->loadedIndex();
        QVERIFY(opened > 0);
        view_->editor()->setPlainText(QStringLiteral("mine"));
        // The concurrent writer: another client, on its own thread, changes the key while the
        // user edits (several writes, so the index moves more than once).
        std::thread writer([this] {
            for (int i = 0; i < 5; ++i) {
                auto ok =
                    writer_->call(ep::kvPut("config/app/greeting", "theirs " + std::to_string(i)));
                if (!ok || !*ok) {
                    return;
                }
            }
        });
        writer.join();
        QCOMPARE(stored("config/app/greeting").value_or(""), std::string("theirs 4"));
        // The watch tells the user while the edit is still open.
        QTRY_VERIFY_WITH_TIMEOUT(view_->banner()->isVisible(), test::kWaitMs);
        QCOMPARE(view_->loadedIndex(), opened);  // the edit is kept, not reloaded
        QCOMPARE(view_->editor()->toPlainText(), QStringLiteral("mine"));
        view_->save();
        QTRY_VERIFY_WITH_TIMEOUT(view_->conflictPanel()->isVisible(), test::kWaitMs);
        QCOMPARE(view_->mineText()->toPlainText(), QStringLiteral("mine"));
        QCOMPARE(view_->theirsText()->toPlainText(), QStringLiteral("theirs 4"));
        // Nothing was overwritten.
        QCOMPARE(stored("config/app/greeting").value_or(""), std::string("theirs 4"));
        // Another write lands while the conflict is shown: overwriting now must conflict again
        // (the user has not seen that one), never silently win.
        write("config/app/greeting", "theirs 5");
        view_->overwriteWithMine();
        QTRY_VERIFY_WITH_TIMEOUT(
            view_->conflictPanel()->isVisible() &&
                view_->theirsText()->toPlainText() == QStringLiteral("theirs 5"),
            test::kWaitMs);
        QCOMPARE(stored("config/app/greeting").value_or(""), std::string("theirs 5"));
        // Now the user has seen the agent's latest: overwriting wins.
        view_->overwriteWithMine();
        QTRY_COMPARE_WITH_TIMEOUT(stored("config/app/greeting").value_or(""), std::string("mine"),
                                  test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!view_->conflictPanel()->isVisible(), test::kWaitMs);
    }

    void takeTheirsKeepsTheAgentsVersion() {
        QTRY_VERIFY_WITH_TIMEOUT(view_->openKey(QStringLiteral("config/app/greeting")) &&
                                     view_->editor()->toPlainText() == QStringLiteral("mine"),
                                 test::kWaitMs);
        view_->editor()->setPlainText(QStringLiteral("draft"));
        write("config/app/greeting", "agent wins");
        view_->save();
        QTRY_VERIFY_WITH_TIMEOUT(view_->conflictPanel()->isVisible(), test::kWaitMs);
        view_->takeTheirs();
        QCOMPARE(view_->editor()->toPlainText(), QStringLiteral("agent wins"));
        QCOMPARE(stored("config/app/greeting").value_or(""), std::string("agent wins"));
    }

    void watchShowsOtherWritersLive() {
        const uint64_t requests = view_->model().watch().requests();
        write("config/app/new-from-elsewhere", "x");
        QTRY_VERIFY_WITH_TIMEOUT(rows().contains(QStringLiteral("config/app/new-from-elsewhere")),
                                 test::kWaitMs);
        QVERIFY(view_->model().watch().requests() > requests);
        // An unedited open key follows the agent.
        QVERIFY(view_->openKey(QStringLiteral("config/app/new-from-elsewhere")));
        write("config/app/new-from-elsewhere", "y");
        QTRY_COMPARE_WITH_TIMEOUT(view_->editor()->toPlainText(), QStringLiteral("y"),
                                  test::kWaitMs);
    }

    void createsAndRefusesToCreateOverAnExistingKey() {
        view_->newKey();
        view_->keyEdit()->setText(QStringLiteral("config/app/created"));
        view_->editor()->setPlainText(QStringLiteral("v1"));
        view_->save();
        QTRY_COMPARE_WITH_TIMEOUT(stored("config/app/created").value_or(""), std::string("v1"),
                                  test::kWaitMs);
        // Creating the same key again: check-and-set 0 fails, both versions are shown.
        view_->newKey();
        view_->keyEdit()->setText(QStringLiteral("config/app/created"));
        view_->editor()->setPlainText(QStringLiteral("v2"));
        view_->save();
        QTRY_VERIFY_WITH_TIMEOUT(view_->conflictPanel()->isVisible(), test::kWaitMs);
        QCOMPARE(view_->theirsText()->toPlainText(), QStringLiteral("v1"));
        QCOMPARE(stored("config/app/created").value_or(""), std::string("v1"));
        view_->takeTheirs();
    }

    void deletesOneKeyWithCas() {
        QTRY_VERIFY_WITH_TIMEOUT(view_->openKey(QStringLiteral("config/app/created")),
                                 test::kWaitMs);
        view_->deleteKey();
        QTRY_VERIFY_WITH_TIMEOUT(!stored("config/app/created").has_value(), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!rows().contains(QStringLiteral("config/app/created")),
                                 test::kWaitMs);
    }

    void deletesAFolderOnlyAfterConfirmation() {
        view_->setPrefix(QStringLiteral("config/"));
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(QStringLiteral("config/deep/")).isValid(), test::kWaitMs);
        view_->table()->selectionModel()->select(
            rowOf(QStringLiteral("config/deep/")),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        view_->askDeleteFolder();
        QVERIFY(view_->confirmBar()->isVisible());
        auto* confirm =
            view_->confirmBar()->findChild<QPushButton*>(QStringLiteral("kvConfirmDelete"));
        QCOMPARE(confirm->text(), QStringLiteral("Delete 1 key(s)"));
        // Not yet deleted: only the confirmation deletes.
        QCOMPARE(stored("config/deep/x/y").value_or(""), std::string("z"));
        confirm->click();
        QTRY_VERIFY_WITH_TIMEOUT(!stored("config/deep/x/y").has_value(), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!rowOf(QStringLiteral("config/deep/")).isValid(), test::kWaitMs);
        // The rest of the store is untouched.
        QCOMPARE(stored("config/blob").value_or(""), std::string("\x00\x01\xfe", 3));
        QCOMPARE(stored("other/key").value_or(""), std::string("elsewhere"));
    }

    void formatsRoundTrip() {
        const std::string binary("\x00\xff\x10 a", 5);
        QCOMPARE(detectKvFormat(binary), KvFormat::Hex);
        QCOMPARE(*kvFromText(kvToText(binary, KvFormat::Hex), KvFormat::Hex).bytes, binary);
        QCOMPARE(detectKvFormat("[1,2]"), KvFormat::Json);
        QCOMPARE(detectKvFormat("plain words\nand lines"), KvFormat::Text);
        QCOMPARE(detectKvFormat("{not json"), KvFormat::Text);
        QVERIFY(!kvFromText(QStringLiteral("abc"), KvFormat::Hex).bytes);
        QVERIFY(!kvFromText(QStringLiteral("{"), KvFormat::Json).bytes);
    }
};

QTEST_MAIN(TestKvView)
#include "test_kv_view.moc"
