#pragma once

#include <QStyledItemDelegate>

namespace meshx::ui {

// Draws a cell as a coloured health badge: a rounded pill in the status colour with the cell's
// text in white (readable on light and dark palettes). The status word comes from `statusRole`
// of the cell's index; the text is the cell's DisplayRole.
//
// Thread: GUI thread.
class HealthBadgeDelegate : public QStyledItemDelegate {
    Q_OBJECT

  public:
    HealthBadgeDelegate(int statusRole, QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

  private:
    int statusRole_;
};

}  // namespace meshx::ui
