#include "ui/shell/app_palette.h"

#include <QApplication>
#include <QEvent>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace meshx::ui {

namespace {

QPalette darkPaletteOf() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor disabled(0x80, 0x80, 0x80);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xff));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Mid, QColor(0x3c, 0x3f, 0x43));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4c));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        p.setColor(QPalette::Disabled, role, disabled);
    }
    return p;
}

}  // namespace

QPalette consoleDarkPalette() {
    return darkPaletteOf();
}

bool isDarkPalette(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() <
           palette.color(QPalette::WindowText).lightness();
}

PaletteFollower::PaletteFollower(QObject* parent) : QObject(parent) {}

void PaletteFollower::followSystemPalette(const QPalette& system) {
    const bool dark = isDarkPalette(system);
    applying_ = true;
    if (dark) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPaletteOf());
    } else {
        // The desktop's own light palette, as Qt resolves it from the theme.
        QApplication::setPalette(system);
    }
    applying_ = false;
    if (dark != dark_) {
        dark_ = dark;
        emit schemeChanged(dark_);
    }
}

void PaletteFollower::reevaluate() {
    ++reevaluations_;
    applying_ = true;
    // An empty resolve mask: the application palette becomes the platform theme's again.
    QApplication::setPalette(QPalette());
    const QPalette system = QGuiApplication::palette();
    applying_ = false;
    followSystemPalette(system);
}

bool PaletteFollower::eventFilter(QObject* watched, QEvent* event) {
    if (watched == qApp && !applying_ &&
        (event->type() == QEvent::ThemeChange ||
         event->type() == QEvent::ApplicationPaletteChange)) {
        reevaluate();
    }
    return QObject::eventFilter(watched, event);
}

PaletteFollower* followSystemPalette(const QString& mode) {
    if (!mode.isEmpty() && mode != QLatin1String("system")) {
        return nullptr;
    }
    auto* follower = new PaletteFollower(qApp);
    qApp->installEventFilter(follower);
    follower->followSystemPalette(QGuiApplication::palette());
    return follower;
}

bool applyPalette(const QString& mode) {
    if (mode.isEmpty() || mode == QLatin1String("system")) {
        return true;
    }
    if (mode != QLatin1String("dark") && mode != QLatin1String("light")) {
        return false;
    }
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(
        mode == QLatin1String("dark") ? darkPaletteOf() : QApplication::style()->standardPalette());
    return true;
}

}  // namespace meshx::ui
