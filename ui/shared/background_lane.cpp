#include "ui/shared/background_lane.h"

namespace meshx::ui {

BackgroundLane::BackgroundLane(int maxThreads, QObject* parent) : QObject(parent) {
    pool_.setMaxThreadCount(maxThreads);
    pool_.setExpiryTimeout(10000);
}

BackgroundLane::~BackgroundLane() {
    pool_.waitForDone();
}

}  // namespace meshx::ui
