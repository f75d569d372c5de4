#include "ui/shared/view_parts.h"

#include <QAction>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QTableView>

namespace meshx::ui {

QAction* addViewAction(QWidget* view, const QString& text, const QKeySequence& shortcut,
                       const char* objectName) {
    auto* action = new QAction(text, view);
    action->setObjectName(QString::fromLatin1(objectName));
    action->setShortcut(shortcut);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    action->setShortcutVisibleInContextMenu(true);
    view->addAction(action);
    return action;
}

void setUpRowTable(QTableView* table) {
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 10);
}

void popUpOnRows(QTableView* table, const QList<QAction*>& actions) {
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(table, &QWidget::customContextMenuRequested, table,
                     [table, actions](const QPoint& pos) {
                         QMenu menu(table);
                         menu.addActions(actions);
                         menu.exec(table->viewport()->mapToGlobal(pos));
                     });
}

QComboBox* makeNameCombo(QWidget* parent, const char* objectName, int minimumChars,
                         const QString& placeholder) {
    auto* combo = new QComboBox(parent);
    combo->setObjectName(QString::fromLatin1(objectName));
    combo->setEditable(true);
    combo->setMinimumContentsLength(minimumChars);
    combo->lineEdit()->setPlaceholderText(placeholder);
    return combo;
}

}  // namespace meshx::ui
