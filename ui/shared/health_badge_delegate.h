#pragma once

#include <QStyledItemDelegate>

namespace meshx::ui {

// Draws a cell as a coloured health badge: a rounded pill in the status colour with the cell's
// text in white (readable on light and dark palettes). The status word comes from `statusRole`
// of the cell's index; the text is the cell's DisplayRole; the optional `noteRole` text (e.g.
// "flapping") follows the pill in the warning colour.
//
// Thread: GUI thread.
class HealthBadgeDelegate : public QStyledItemDelegate {
    Q_OBJECT

  public:
    HealthBadgeDelegate(int statusRole, QObject* parent = nullptr, int noteRole = -1);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

  private:
    int statusRole_;
    int noteRole_;
};

}  // namespace meshx::ui
