#include "ui/shared/health_badge_delegate.h"

#include <QApplication>
#include <QPainter>

#include "ui/shared/health_status.h"

namespace meshx::ui {

HealthBadgeDelegate::HealthBadgeDelegate(int statusRole, QObject* parent, int noteRole)
    : QStyledItemDelegate(parent), statusRole_(statusRole), noteRole_(noteRole) {}

void HealthBadgeDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    // Selection and focus background as the style draws them, then the badge on top.
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (text.isEmpty()) {
        return;
    }
    const QString status = index.data(statusRole_).toString();
    const QFontMetrics fm(opt.font);
    const int pad = 8;
    const int height = std::min(opt.rect.height() - 4, fm.height() + 4);
    // +2: horizontalAdvance rounds, and elidedText would cut a text that only just fits.
    const int wanted = fm.horizontalAdvance(text) + 2 * pad + 2;
    const int width = std::min(opt.rect.width() - 6, wanted);
    const QRect pill(opt.rect.left() + 3, opt.rect.center().y() - height / 2 + 1, width, height);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(health::badgeColour(status));
    painter->drawRoundedRect(pill, height / 2.0, height / 2.0);
    painter->setPen(Qt::white);
    painter->setFont(opt.font);
    painter->drawText(
        pill.adjusted(pad, 0, -pad, 0), Qt::AlignCenter,
        width < wanted ? fm.elidedText(text, Qt::ElideRight, pill.width() - 2 * pad) : text);
    const QString note = noteRole_ >= 0 ? index.data(noteRole_).toString() : QString();
    if (!note.isEmpty()) {
        const QRect rest(pill.right() + 6, opt.rect.top(), opt.rect.right() - pill.right() - 6,
                         opt.rect.height());
        painter->setPen(health::badgeColour(QStringLiteral("warning")));
        painter->drawText(rest, Qt::AlignVCenter | Qt::AlignLeft,
                          fm.elidedText(note, Qt::ElideRight, rest.width()));
    }
    painter->restore();
}

QSize HealthBadgeDelegate::sizeHint(const QStyleOptionViewItem& option,
                                    const QModelIndex& index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(size.width() + 20);
    return size;
}

}  // namespace meshx::ui
