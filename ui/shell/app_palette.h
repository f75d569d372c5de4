#pragma once

#include <QObject>
#include <QPalette>
#include <QString>

namespace meshx::ui {

// The console follows the desktop's palette (light or dark) by default. "dark" and "light" force
// one, with the Fusion style so every widget honours it (screenshots, desktops without a theme).
// Returns false for an unknown mode. GUI thread, before the main window is shown.
bool applyPalette(const QString& mode);

// The full dark palette the console uses (forced, or when the desktop is dark).
QPalette consoleDarkPalette();
// True when `palette` is a dark one (its window is darker than its text).
bool isDarkPalette(const QPalette& palette);

// In "system" mode, follows the desktop's dark/light preference while the console runs: Qt 6.4
// has no QStyleHints::colorScheme (6.5), so it watches the application for ThemeChange (the
// platform theme changed) and ApplicationPaletteChange, reads the desktop's palette again
// (an application palette with an empty resolve mask is the theme's, in Qt 6) and applies the
// console's full dark palette (Fusion, so every widget honours it) or the light standard one.
// Widgets re-read their colours on the PaletteChange that follows.
//
// Thread: GUI thread; lives as a child of the application.
class PaletteFollower : public QObject {
    Q_OBJECT

  public:
    explicit PaletteFollower(QObject* parent = nullptr);

    // Applies the palette for a desktop whose own palette is `system` (the event handler reads
    // it from the platform; tests hand one in, since no desktop can change theme under them).
    void followSystemPalette(const QPalette& system);
    bool dark() const { return dark_; }
    // Times the desktop's preference was read again (tests).
    int reevaluations() const { return reevaluations_; }

  signals:
    void schemeChanged(bool dark);

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void reevaluate();

    bool dark_ = false;
    bool applying_ = false;
    int reevaluations_ = 0;
};

// Installs a PaletteFollower on the application (mode "system" or empty) and applies the
// current preference once. Null for the forced modes. GUI thread, after QApplication exists.
PaletteFollower* followSystemPalette(const QString& mode);

}  // namespace meshx::ui
