#pragma once

#include <QDialog>

class QMainWindow;
class QTableWidget;

namespace meshx::ui {

// Help → Keyboard shortcuts: every action of the window's menus and of each view, with its
// keys, read from the actions themselves (so the page never drifts from what the keys do).
// Not modal: it can stay open beside the console.
//
// Thread: GUI thread.
class ShortcutsPage : public QDialog {
    Q_OBJECT

  public:
    explicit ShortcutsPage(QWidget* parent = nullptr);

    // Lists the actions of `window`'s menus and of every page of its tab widget.
    void collect(QMainWindow& window);
    QTableWidget* table() const { return table_; }
    // Rows listed for `where` (a menu or view title) and `action` text, or -1.
    int rowOf(const QString& where, const QString& action) const;

  private:
    QTableWidget* table_;
};

}  // namespace meshx::ui
