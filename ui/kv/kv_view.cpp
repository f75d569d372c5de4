#include "ui/kv/kv_view.h"

#include <QAction>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include "engine/kv_watch.h"
#include "engine/session.h"
#include "ui/kv/kv_model.h"
#include "ui/shared/first_run_guide.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/view_parts.h"

namespace meshx::ui {

namespace {

QString words(const Error& e) {
    return QString::fromStdString(e.toString());
}

QPlainTextEdit* monoEditor(QWidget* parent, const char* name, bool readOnly) {
    auto* edit = new QPlainTextEdit(parent);
    edit->setObjectName(QString::fromLatin1(name));
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setReadOnly(readOnly);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    return edit;
}

}  // namespace

KvView::KvView(engine::Session& session, QWidget* parent) : QWidget(parent) {
    model_ = new KvModel(session.api(), session.kv(), this);

    new_ = makeAction(tr("&New key…"), QKeySequence::New, "newKey");
    save_ = makeAction(tr("&Save"), QKeySequence::Save, "saveKey");
    revert_ =
        makeAction(tr("Re&vert"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), "revertKey");
    delete_ = makeAction(tr("&Delete key"), QKeySequence::Delete, "deleteKey");
    deleteFolder_ =
        makeAction(tr("Delete &folder…"), QKeySequence(Qt::SHIFT | Qt::Key_Delete), "deleteFolder");
    up_ = makeAction(tr("&Up"), QKeySequence(Qt::ALT | Qt::Key_Up), "prefixUp");
    connect(new_, &QAction::triggered, this, &KvView::newKey);
    connect(save_, &QAction::triggered, this, &KvView::save);
    connect(revert_, &QAction::triggered, this, &KvView::revert);
    connect(delete_, &QAction::triggered, this, &KvView::deleteKey);
    connect(deleteFolder_, &QAction::triggered, this, &KvView::askDeleteFolder);
    connect(up_, &QAction::triggered, this, &KvView::goUp);

    prefix_ = new QLineEdit(this);
    prefix_->setObjectName(QStringLiteral("kvPrefix"));
    prefix_->setPlaceholderText(tr("Prefix, e.g. config/ (empty: the whole store) — Enter"));
    prefix_->setClearButtonEnabled(true);
    connect(prefix_, &QLineEdit::returnPressed, this, [this] { setPrefix(prefix_->text()); });
    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addAction(up_);
    toolbar->addAction(new_);
    toolbar->addAction(deleteFolder_);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Prefix"), this));
    top->addWidget(prefix_, 1);
    top->addWidget(toolbar);

    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("kvTable"));
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->horizontalHeader()->resizeSection(KvModel::Key, 200);
    table_->horizontalHeader()->setStretchLastSection(true);
    connect(table_, &QTableView::activated, this, &KvView::activateRow);
    connect(table_, &QTableView::doubleClicked, this, &KvView::activateRow);

    guide_ = new FirstRunGuide(
        tr("No keys here yet"),
        tr("The agent's KV store holds configuration any service can read. Create the first key "
           "under this prefix; changes by anyone show here live."),
        this);
    guide_->setObjectName(QStringLiteral("kvGuide"));
    guide_->addAction(tr("New key… (Ctrl+N)"), QStringLiteral("guideNewKey"), [this] { newKey(); });
    auto* left = new QStackedWidget(this);
    left->setObjectName(QStringLiteral("kvStack"));
    left->addWidget(table_);
    left->addWidget(guide_);

    key_ = new QLineEdit(this);
    key_->setObjectName(QStringLiteral("kvKey"));
    key_->setReadOnly(true);
    key_->setPlaceholderText(tr("Open a key, or New key… (Ctrl+N)"));
    meta_ = new QLabel(this);
    meta_->setObjectName(QStringLiteral("kvMeta"));
    format_ = new QComboBox(this);
    format_->setObjectName(QStringLiteral("kvFormat"));
    for (auto f : {KvFormat::Text, KvFormat::Json, KvFormat::Hex}) {
        format_->addItem(kvFormatName(f), static_cast<int>(f));
    }
    format_->setToolTip(tr("Text, JSON (checked before saving) or hex bytes"));
    connect(format_, &QComboBox::currentIndexChanged, this, &KvView::onFormatChanged);
    auto* keyRow = new QHBoxLayout;
    keyRow->addWidget(key_, 1);
    keyRow->addWidget(meta_);
    keyRow->addWidget(format_);

    editor_ = monoEditor(this, "kvEditor", false);
    editor_->setPlaceholderText(tr("The value"));
    connect(editor_, &QPlainTextEdit::textChanged, this, &KvView::updateWidgets);

    conflict_ = new QWidget(this);
    conflict_->setObjectName(QStringLiteral("kvConflict"));
    conflictText_ = new QLabel(conflict_);
    conflictText_->setWordWrap(true);
    mine_ = monoEditor(conflict_, "kvMine", true);
    theirs_ = monoEditor(conflict_, "kvTheirs", true);
    auto* mineBox = new QVBoxLayout;
    mineBox->addWidget(new QLabel(tr("Yours (not saved)"), conflict_));
    mineBox->addWidget(mine_);
    auto* theirsBox = new QVBoxLayout;
    auto* theirsLabel = new QLabel(tr("On the agent now"), conflict_);
    theirsLabel->setObjectName(QStringLiteral("kvTheirsLabel"));
    theirsBox->addWidget(theirsLabel);
    theirsBox->addWidget(theirs_);
    auto* sideBySide = new QHBoxLayout;
    sideBySide->addLayout(mineBox);
    sideBySide->addLayout(theirsBox);
    auto* overwrite = new QPushButton(tr("Overwrite with mine"), conflict_);
    overwrite->setObjectName(QStringLiteral("kvOverwrite"));
    connect(overwrite, &QPushButton::clicked, this, &KvView::overwriteWithMine);
    auto* take = new QPushButton(tr("Take the agent's"), conflict_);
    take->setObjectName(QStringLiteral("kvTakeTheirs"));
    connect(take, &QPushButton::clicked, this, &KvView::takeTheirs);
    auto* conflictButtons = new QHBoxLayout;
    conflictButtons->addStretch(1);
    conflictButtons->addWidget(take);
    conflictButtons->addWidget(overwrite);
    auto* conflictLayout = new QVBoxLayout(conflict_);
    conflictLayout->setContentsMargins(0, 0, 0, 0);
    conflictLayout->addWidget(conflictText_);
    conflictLayout->addLayout(sideBySide, 1);
    conflictLayout->addLayout(conflictButtons);
    conflict_->hide();

    confirm_ = new QWidget(this);
    confirm_->setObjectName(QStringLiteral("kvConfirm"));
    confirmText_ = new QLabel(confirm_);
    confirmButton_ = new QPushButton(confirm_);
    confirmButton_->setObjectName(QStringLiteral("kvConfirmDelete"));
    connect(confirmButton_, &QPushButton::clicked, this, &KvView::confirmDeleteFolder);
    auto* cancel = new QPushButton(tr("Cancel"), confirm_);
    connect(cancel, &QPushButton::clicked, this, [this] {
        pendingFolder_.clear();
        confirm_->hide();
    });
    auto* confirmLayout = new QHBoxLayout(confirm_);
    confirmLayout->setContentsMargins(0, 0, 0, 0);
    confirmLayout->addWidget(confirmText_, 1);
    confirmLayout->addWidget(confirmButton_);
    confirmLayout->addWidget(cancel);
    confirm_->hide();

    saveButton_ = new QPushButton(tr("Save (Ctrl+S)"), this);
    saveButton_->setObjectName(QStringLiteral("kvSave"));
    connect(saveButton_, &QPushButton::clicked, save_, &QAction::trigger);
    auto* revertButton = new QPushButton(tr("Revert"), this);
    connect(revertButton, &QPushButton::clicked, revert_, &QAction::trigger);
    auto* deleteButton = new QPushButton(tr("Delete key (Del)"), this);
    deleteButton->setObjectName(QStringLiteral("kvDelete"));
    connect(deleteButton, &QPushButton::clicked, delete_, &QAction::trigger);
    connect(delete_, &QAction::changed, deleteButton,
            [this, deleteButton] { deleteButton->setEnabled(delete_->isEnabled()); });
    connect(save_, &QAction::changed, saveButton_,
            [this] { saveButton_->setEnabled(save_->isEnabled()); });
    connect(revert_, &QAction::changed, revertButton,
            [this, revertButton] { revertButton->setEnabled(revert_->isEnabled()); });
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(deleteButton);
    buttons->addStretch(1);
    buttons->addWidget(revertButton);
    buttons->addWidget(saveButton_);

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addLayout(keyRow);
    rightLayout->addWidget(editor_, 1);
    rightLayout->addWidget(conflict_, 1);
    rightLayout->addLayout(buttons);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    banner_ = new HintLine(this);
    banner_->setObjectName(QStringLiteral("kvBanner"));
    banner_->hide();
    hint_ = new HintLine(this);
    hint_->setObjectName(QStringLiteral("kvHint"));
    hint_->showInfo(
        tr("Open a key (Enter), New key (Ctrl+N), Save (Ctrl+S). The prefix is watched "
           "live."));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(banner_);
    layout->addWidget(confirm_);
    layout->addWidget(split, 1);
    layout->addWidget(hint_);

    connect(model_, &KvModel::entriesChanged, this, &KvView::onEntriesChanged);
    connect(model_, &KvModel::errorChanged, this, [this](const QString& error) {
        banner_->setVisible(!error.isEmpty());
        banner_->showError(tr("The KV watch failed: %1").arg(error));
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &KvView::updateWidgets);
    setPrefix({});
}

KvView::~KvView() = default;

QAction* KvView::makeAction(const QString& text, const QKeySequence& shortcut, const char* name) {
    return addViewAction(this, text, shortcut, name);
}

void KvView::setPrefix(const QString& prefix) {
    if (prefix_->text() != prefix) {
        prefix_->setText(prefix);
    }
    model_->setPrefix(prefix);
    updateWidgets();
}

void KvView::activateRow(const QModelIndex& index) {
    if (!index.isValid()) {
        return;
    }
    const QString key = index.data(KvModel::FullKeyRole).toString();
    if (index.data(KvModel::IsFolderRole).toBool()) {
        setPrefix(key);
        return;
    }
    openKey(key);
}

bool KvView::openKey(const QString& key) {
    const consul::KvEntry* entry = model_->entry(key);
    if (!entry) {
        return false;
    }
    hideConflict();
    loadEntry(key, entry->value, entry->modifyIndex);
    for (int r = 0; r < model_->rowCount(); ++r) {
        const QModelIndex idx = model_->index(r, 0);
        if (idx.data(KvModel::FullKeyRole).toString() == key) {
            table_->selectionModel()->select(
                idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
    }
    hint_->showInfo(tr("%1 opened at index %2.").arg(key).arg(entry->modifyIndex));
    return true;
}

void KvView::loadEntry(const QString& key, const std::string& bytes, uint64_t modifyIndex) {
    openKey_ = key;
    creating_ = false;
    loadedIndex_ = modifyIndex;
    loadedFormat_ = detectKvFormat(bytes);
    key_->setText(key);
    key_->setReadOnly(true);
    {
        const QSignalBlocker block(format_);
        format_->setCurrentIndex(format_->findData(static_cast<int>(loadedFormat_)));
    }
    lastFormat_ = format_->currentIndex();
    loadedText_ = kvToText(bytes, loadedFormat_);
    editor_->setPlainText(loadedText_);
    meta_->setText(tr("index %1 · %2 bytes").arg(modifyIndex).arg(bytes.size()));
    banner_->hide();
    updateWidgets();
}

void KvView::newKey() {
    hideConflict();
    openKey_.clear();
    creating_ = true;
    loadedIndex_ = 0;
    loadedText_.clear();
    key_->setReadOnly(false);
    key_->setText(model_->prefix());
    {
        const QSignalBlocker block(format_);
        format_->setCurrentIndex(0);
    }
    lastFormat_ = 0;
    editor_->clear();
    meta_->setText(tr("new"));
    key_->setFocus();
    hint_->showInfo(tr("Name the key, type its value, then Save (Ctrl+S)."));
    updateWidgets();
}

bool KvView::dirty() const {
    return creating_ || editor_->toPlainText() != loadedText_;
}

void KvView::save() {
    const QString key = creating_ ? key_->text().trimmed() : openKey_;
    if (key.isEmpty()) {
        hint_->showError(tr("Give the key a name first."));
        return;
    }
    const auto format = static_cast<KvFormat>(format_->currentData().toInt());
    KvParsed parsed = kvFromText(editor_->toPlainText(), format);
    if (!parsed.bytes) {
        hint_->showError(parsed.error + tr(" — fix it, or pick another format."));
        return;
    }
    const uint64_t cas = creating_ ? 0 : loadedIndex_;
    const std::string bytes = *parsed.bytes;
    hint_->showInfo(tr("Saving %1 (only if still at index %2)…").arg(key).arg(cas));
    model_->save(key, bytes, cas, [this, key, bytes](Result<KvModel::SaveOutcome> outcome) {
        if (!outcome) {
            hint_->showError(tr("Could not save %1: %2").arg(key, words(outcome.error())));
            return;
        }
        if (outcome->saved) {
            creating_ = false;
            openKey_ = key;
            key_->setReadOnly(true);
            loadedText_ = editor_->toPlainText();
            // The new ModifyIndex arrives with the watch; until then nothing is dirty.
            hint_->showSuccess(tr("Saved %1.").arg(key));
            updateWidgets();
            return;
        }
        openKey_ = key;
        creating_ = false;
        key_->setReadOnly(true);
        if (outcome->current) {
            showConflict(outcome->current->value, outcome->current->modifyIndex);
        } else {
            showConflict(std::nullopt, 0);
        }
    });
}

void KvView::showConflict(const std::optional<std::string>& theirs, uint64_t theirIndex) {
    theirsBytes_ = theirs;
    theirsIndex_ = theirIndex;
    const auto format = static_cast<KvFormat>(format_->currentData().toInt());
    mine_->setPlainText(editor_->toPlainText());
    if (theirs) {
        const KvFormat theirFormat =
            format == KvFormat::Hex ? KvFormat::Hex : detectKvFormat(*theirs);
        theirs_->setPlainText(kvToText(*theirs, theirFormat));
        conflictText_->setText(
            tr("Not saved: %1 was changed on the agent while you edited it (your version was from "
               "index %2, the agent's is index %3). Nothing was overwritten; pick one.")
                .arg(openKey_)
                .arg(loadedIndex_)
                .arg(theirIndex));
    } else {
        theirs_->setPlainText(tr("(deleted on the agent)"));
        conflictText_->setText(tr("Not saved: %1 was deleted on the agent while you edited it. "
                                  "Overwrite creates it again.")
                                   .arg(openKey_));
    }
    editor_->hide();
    conflict_->show();
    hint_->showError(
        tr("Conflict: %1 changed on the agent. Both versions are shown.").arg(openKey_));
    updateWidgets();
}

void KvView::hideConflict() {
    conflict_->hide();
    editor_->show();
    theirsBytes_.reset();
}

void KvView::overwriteWithMine() {
    // A new check-and-set against the version the user has now seen.
    loadedIndex_ = theirsBytes_ ? theirsIndex_ : 0;
    creating_ = !theirsBytes_;
    const QString mine = mine_->toPlainText();
    hideConflict();
    editor_->setPlainText(mine);
    save();
}

void KvView::takeTheirs() {
    const std::optional<std::string> theirs = theirsBytes_;
    hideConflict();
    if (theirs) {
        loadEntry(openKey_, *theirs, theirsIndex_);
    } else {
        openKey_.clear();
        editor_->clear();
        key_->clear();
    }
    hint_->showInfo(tr("Took the agent's version."));
    updateWidgets();
}

void KvView::revert() {
    hideConflict();
    if (const consul::KvEntry* entry = model_->entry(openKey_)) {
        loadEntry(openKey_, entry->value, entry->modifyIndex);
        hint_->showInfo(tr("Reverted to index %1.").arg(entry->modifyIndex));
    }
}

void KvView::deleteKey() {
    if (openKey_.isEmpty() || creating_) {
        const QModelIndexList rows = table_->selectionModel()->selectedRows();
        if (!rows.isEmpty() && rows.front().data(KvModel::IsFolderRole).toBool()) {
            askDeleteFolder();
        }
        return;
    }
    const QString key = openKey_;
    model_->remove(key, loadedIndex_, [this, key](Result<bool> deleted) {
        if (!deleted) {
            hint_->showError(tr("Could not delete %1: %2").arg(key, words(deleted.error())));
            return;
        }
        if (!*deleted) {
            hint_->showError(tr("Not deleted: %1 changed on the agent since you opened it. "
                                "Open it again to see the new value.")
                                 .arg(key));
            return;
        }
        if (openKey_ == key) {
            openKey_.clear();
            key_->clear();
            editor_->clear();
            loadedText_.clear();
            meta_->clear();
        }
        hint_->showSuccess(tr("Deleted %1.").arg(key));
        updateWidgets();
    });
}

void KvView::askDeleteFolder() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    QString folder = model_->prefix();
    if (!rows.isEmpty() && rows.front().data(KvModel::IsFolderRole).toBool()) {
        folder = rows.front().data(KvModel::FullKeyRole).toString();
    }
    const int keys = model_->keysUnder(folder);
    if (keys == 0) {
        hint_->showInfo(
            tr("Nothing to delete under %1.").arg(folder.isEmpty() ? tr("the root") : folder));
        return;
    }
    pendingFolder_ = folder;
    confirmText_->setText(
        tr("Delete %n key(s) under %1, recursively? This cannot be undone.", nullptr, keys)
            .arg(folder.isEmpty() ? tr("the root (the whole store)") : folder));
    confirmButton_->setText(tr("Delete %n key(s)", nullptr, keys));
    confirm_->show();
    confirmButton_->setFocus();
}

void KvView::confirmDeleteFolder() {
    const QString folder = pendingFolder_;
    pendingFolder_.clear();
    confirm_->hide();
    model_->removeTree(folder, [this, folder](Status status) {
        if (!status) {
            hint_->showError(tr("Could not delete %1: %2").arg(folder, words(status.error())));
            return;
        }
        hint_->showSuccess(tr("Deleted everything under %1.").arg(folder));
    });
}

void KvView::goUp() {
    QString p = model_->prefix();
    if (p.endsWith(QLatin1Char('/'))) {
        p.chop(1);
    }
    const auto slash = p.lastIndexOf(QLatin1Char('/'));
    setPrefix(slash < 0 ? QString() : p.left(slash + 1));
}

void KvView::onFormatChanged(int index) {
    const auto from = static_cast<KvFormat>(format_->itemData(lastFormat_).toInt());
    const auto to = static_cast<KvFormat>(format_->itemData(index).toInt());
    KvParsed parsed = kvFromText(editor_->toPlainText(), from);
    if (!parsed.bytes) {
        hint_->showError(parsed.error + tr(" — fix it before switching format."));
        const QSignalBlocker block(format_);
        format_->setCurrentIndex(lastFormat_);
        return;
    }
    lastFormat_ = index;
    const bool wasClean = !dirty();
    editor_->setPlainText(kvToText(*parsed.bytes, to));
    if (wasClean) {
        loadedText_ = editor_->toPlainText();
    }
    updateWidgets();
}

void KvView::onEntriesChanged() {
    if (!openKey_.isEmpty() && !creating_) {
        const consul::KvEntry* entry = model_->entry(openKey_);
        if (entry && entry->modifyIndex != loadedIndex_) {
            if (!dirty()) {
                loadEntry(openKey_, entry->value, entry->modifyIndex);
            } else {
                banner_->showInfo(tr("%1 changed on the agent (index %2) while you edit it: Save "
                                     "will show both versions.")
                                      .arg(openKey_)
                                      .arg(entry->modifyIndex));
                banner_->show();
            }
        } else if (!entry && !dirty() && conflict_->isHidden()) {
            banner_->showInfo(tr("%1 was deleted on the agent.").arg(openKey_));
            banner_->show();
        }
    }
    updateWidgets();
}

void KvView::updateWidgets() {
    auto* stack = qobject_cast<QStackedWidget*>(guide_->parentWidget());
    const bool empty = model_->loaded() && model_->rowCount() == 0;
    if (stack) {
        stack->setCurrentWidget(empty ? static_cast<QWidget*>(guide_) : table_);
    }
    const bool inConflict = !conflict_->isHidden();
    const bool open = !openKey_.isEmpty() || creating_;
    save_->setEnabled(open && !inConflict && dirty());
    revert_->setEnabled(!openKey_.isEmpty() && !creating_ && dirty() && !inConflict);
    delete_->setEnabled(!openKey_.isEmpty() && !creating_ && !inConflict);
    deleteFolder_->setEnabled(model_->loaded() && !model_->entries().empty());
    up_->setEnabled(!model_->prefix().isEmpty());
    format_->setEnabled(open && !inConflict);
    editor_->setReadOnly(!open || inConflict);
}

}  // namespace meshx::ui
