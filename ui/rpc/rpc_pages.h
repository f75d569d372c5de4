#pragma once

namespace meshx::ui {

class MainWindow;

// Installs the RPC and Nodes tabs into `window`, attaches them to its session as it comes and
// goes, and adds the Demos menu (guided walkthroughs E1–E4). Thread: GUI thread.
void installRpcPages(MainWindow& window);

}  // namespace meshx::ui
