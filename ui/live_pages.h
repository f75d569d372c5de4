#pragma once

namespace meshx::ui {

class MainWindow;

// Installs the live pages (telemetry, RPC, nodes, demos) into `window` and keeps them attached to
// the window's session as it changes. Thread: GUI thread.
void installLivePages(MainWindow& window);

}  // namespace meshx::ui
