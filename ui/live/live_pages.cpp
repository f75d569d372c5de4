#include "live_pages.h"

#include "views/main_window.h"

namespace meshx::ui {

void installLivePages(MainWindow& /*window*/) {
    // The tabs stay placeholders until the live pages land.
}

}  // namespace meshx::ui
