#pragma once

#include <QString>
#include <QWidget>

#include <cstdint>
#include <optional>
#include <string>

#include "ui/kv/kv_value_format.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QWidget;

namespace meshx::engine {
class Session;
}

namespace meshx::ui {

class FirstRunGuide;
class HintLine;
class KvModel;

// The agent's KV store: browse by prefix (folders open with Enter or a double click, Up with
// Alt+Up), view and edit a value as text, JSON (validated before saving) or hex (binary values),
// create (Ctrl+N), delete (Del) and delete a folder recursively (Shift+Del, confirmed in a bar
// that names how many keys go). The prefix is watched live.
//
// Every save is check-and-set with the ModifyIndex the editor loaded: when someone else wrote the
// key meanwhile, nothing is overwritten; the view shows both versions side by side, and the user
// overwrites with theirs (a new check-and-set on the current index) or takes the agent's.
//
// Thread: GUI thread. `api` must outlive the view.
class KvView : public QWidget {
    Q_OBJECT

  public:
    // Over the session's KV watch; the session outlives the view.
    explicit KvView(engine::Session& session, QWidget* parent = nullptr);
    ~KvView() override;

    KvModel& model() { return *model_; }
    void setPrefix(const QString& prefix);
    // Opens `key` in the editor (false when it is not listed under the current prefix).
    bool openKey(const QString& key);
    // Starts a new key under the current prefix.
    void newKey();
    // Saves the editor's text (check-and-set).
    void save();
    void revert();
    // Deletes the open key (check-and-set).
    void deleteKey();
    // Asks to delete the selected folder (or the current prefix) with everything below it.
    void askDeleteFolder();
    void confirmDeleteFolder();
    // Conflict resolution.
    void overwriteWithMine();
    void takeTheirs();

    QTableView* table() const { return table_; }
    QPlainTextEdit* editor() const { return editor_; }
    QComboBox* format() const { return format_; }
    QLineEdit* keyEdit() const { return key_; }
    QWidget* conflictPanel() const { return conflict_; }
    QPlainTextEdit* mineText() const { return mine_; }
    QPlainTextEdit* theirsText() const { return theirs_; }
    QWidget* confirmBar() const { return confirm_; }
    HintLine* hint() const { return hint_; }
    HintLine* banner() const { return banner_; }
    FirstRunGuide* guide() const { return guide_; }
    QPushButton* saveButton() const { return saveButton_; }
    QString openKeyName() const { return openKey_; }
    uint64_t loadedIndex() const { return loadedIndex_; }

  private:
    QAction* makeAction(const QString& text, const QKeySequence& shortcut, const char* name);
    void activateRow(const QModelIndex& index);
    void goUp();
    void loadEntry(const QString& key, const std::string& bytes, uint64_t modifyIndex);
    void onEntriesChanged();
    void onFormatChanged(int index);
    void showConflict(const std::optional<std::string>& theirs, uint64_t theirIndex);
    void hideConflict();
    bool dirty() const;
    void updateWidgets();

    KvModel* model_;
    QLineEdit* prefix_;
    QTableView* table_;
    FirstRunGuide* guide_;
    QLineEdit* key_;
    QLabel* meta_;
    QComboBox* format_;
    QPlainTextEdit* editor_;
    QWidget* conflict_;
    QLabel* conflictText_;
    QPlainTextEdit* mine_;
    QPlainTextEdit* theirs_;
    QWidget* confirm_;
    QLabel* confirmText_;
    QPushButton* confirmButton_;
    QPushButton* saveButton_;
    HintLine* banner_;
    HintLine* hint_;
    QAction* new_;
    QAction* save_;
    QAction* revert_;
    QAction* delete_;
    QAction* deleteFolder_;
    QAction* up_;

    QString openKey_;  // empty: nothing open
    bool creating_ = false;
    uint64_t loadedIndex_ = 0;  // ModifyIndex the editor's text came from (the save's cas)
    QString loadedText_;
    KvFormat loadedFormat_ = KvFormat::Text;
    int lastFormat_ = 0;
    QString pendingFolder_;
    // The agent's version shown in a conflict.
    std::optional<std::string> theirsBytes_;
    uint64_t theirsIndex_ = 0;
};

}  // namespace meshx::ui
