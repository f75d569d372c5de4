#include "ui/shared/hint_line.h"

#include <QEvent>

namespace meshx::ui {

HintLine::HintLine(QWidget* parent) : QLabel(parent) {
    setObjectName(QStringLiteral("hint"));
    setWordWrap(true);
    setTextInteractionFlags(Qt::TextSelectableByMouse);
    setTextFormat(Qt::PlainText);
    setMinimumHeight(fontMetrics().height() + 6);
}

void HintLine::setMessage(Kind kind, const QString& text) {
    kind_ = kind;
    setText(text);
    applyColour();
}

void HintLine::changeEvent(QEvent* event) {
    QLabel::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyColour();
    }
}

void HintLine::applyColour() {
    const QPalette base = parentWidget() ? parentWidget()->palette() : palette();
    const bool dark = base.color(QPalette::Window).lightness() < 128;
    QColor colour = base.color(QPalette::WindowText);
    if (kind_ == Kind::Error) {
        colour = dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xb0, 0x1c, 0x22);
    } else if (kind_ == Kind::Success) {
        colour = dark ? QColor(0x7e, 0xd3, 0x8f) : QColor(0x1e, 0x6e, 0x35);
    }
    QPalette p = palette();
    p.setColor(QPalette::WindowText, colour);
    // Set without recursing: setPalette sends PaletteChange, which lands here again.
    if (p != palette()) {
        setPalette(p);
    }
}

}  // namespace meshx::ui
