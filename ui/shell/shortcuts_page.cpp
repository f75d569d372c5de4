#include "ui/shell/shortcuts_page.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <functional>
#include <set>

namespace meshx::ui {

namespace {

QString plain(QString text) {
    text.remove(QLatin1Char('&'));
    return text;
}

}  // namespace

ShortcutsPage::ShortcutsPage(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("shortcutsPage"));
    setWindowTitle(tr("Keyboard shortcuts"));
    table_ = new QTableWidget(0, 3, this);
    table_->setObjectName(QStringLiteral("shortcutsTable"));
    table_->setHorizontalHeaderLabels({tr("Where"), tr("Action"), tr("Keys")});
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->resizeSection(0, 130);
    table_->horizontalHeader()->resizeSection(1, 260);
    auto* note =
        new QLabel(tr("View shortcuts work while the view has focus. Everywhere: Ctrl+Tab / "
                      "Ctrl+Shift+Tab move between views, Tab moves between controls, Alt plus an "
                      "underlined letter opens a menu."),
                   this);
    note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(note);
    layout->addWidget(table_, 1);
    layout->addWidget(buttons);
    resize(620, 560);
}

void ShortcutsPage::collect(QMainWindow& window) {
    table_->setRowCount(0);
    std::set<std::pair<QString, QString>> seen;
    auto add = [this, &seen](const QString& where, QAction* action) {
        if (action->isSeparator() || action->shortcut().isEmpty()) {
            return;
        }
        const QString text = plain(action->text());
        if (text.isEmpty() || !seen.insert({where, text}).second) {
            return;
        }
        const int row = table_->rowCount();
        table_->insertRow(row);
        table_->setItem(row, 0, new QTableWidgetItem(where));
        table_->setItem(row, 1, new QTableWidgetItem(text));
        table_->setItem(
            row, 2, new QTableWidgetItem(action->shortcut().toString(QKeySequence::NativeText)));
    };
    std::function<void(const QString&, QMenu*)> addMenu = [&](const QString& where, QMenu* menu) {
        for (QAction* a : menu->actions()) {
            if (a->menu()) {
                addMenu(where, a->menu());
            } else {
                add(where, a);
            }
        }
    };
    for (QAction* top : window.menuBar()->actions()) {
        if (top->menu()) {
            addMenu(plain(top->text()), top->menu());
        }
    }
    if (auto* tabs = qobject_cast<QTabWidget*>(window.centralWidget())) {
        for (int i = 0; i < tabs->count(); ++i) {
            const QString where = tabs->tabText(i);
            for (QAction* a : tabs->widget(i)->findChildren<QAction*>()) {
                add(where, a);
            }
        }
    }
}

int ShortcutsPage::rowOf(const QString& where, const QString& action) const {
    for (int r = 0; r < table_->rowCount(); ++r) {
        if (table_->item(r, 0)->text() == where && table_->item(r, 1)->text() == action) {
            return r;
        }
    }
    return -1;
}

}  // namespace meshx::ui
