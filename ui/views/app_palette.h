#pragma once

#include <QString>

namespace meshx::ui {

// The console follows the desktop's palette (light or dark) by default. "dark" and "light" force
// one, with the Fusion style so every widget honours it (screenshots, desktops without a theme).
// Returns false for an unknown mode. GUI thread, before the main window is shown.
bool applyPalette(const QString& mode);

}  // namespace meshx::ui
