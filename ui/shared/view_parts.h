#pragma once

// Small pieces the console's table pages (Services, Upstreams, Intentions, Catalog, KV) build
// themselves from, so their keys, tables and menus behave alike.

#include <QKeySequence>
#include <QList>
#include <QString>

class QAction;
class QComboBox;
class QTableView;
class QWidget;

namespace meshx::ui {

// A new action of `view` with `shortcut`. Its shortcut works while focus is inside the view (not
// window-wide: two pages' Delete keys never clash) and shows in context menus whatever the
// desktop's default. GUI thread.
QAction* addViewAction(QWidget* view, const QString& text, const QKeySequence& shortcut,
                       const char* objectName);

// A table of whole rows picked one at a time: rows selected as a unit, alternating colours, no
// row numbers, and a row height from the font. GUI thread.
void setUpRowTable(QTableView* table);

// Right-clicking the table's rows pops up a menu of `actions`. GUI thread.
void popUpOnRows(QTableView* table, const QList<QAction*>& actions);

// An editable combo box for a service name: typed or picked, `placeholder` while empty, wide
// enough for `minimumChars`. GUI thread.
QComboBox* makeNameCombo(QWidget* parent, const char* objectName, int minimumChars,
                         const QString& placeholder);

}  // namespace meshx::ui
