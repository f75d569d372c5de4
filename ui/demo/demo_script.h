#pragma once

#include <QString>

#include <functional>
#include <vector>

#include "common/result.h"

namespace meshx::ui {

class DemoController;

// One step of a guided demo: a title for the step list, an explanation for the side panel
// (rich text), and the action. The action starts work and calls `done` exactly once, on the GUI
// thread, with a line saying what it saw (passed) or an error (failed). It waits on real
// conditions (ready lines, passing health, results), never on fixed sleeps; the controller
// fails it when `timeoutMs` passes first.
struct DemoStep {
    using Done = std::function<void(Result<QString>)>;
    QString title;
    QString explanation;
    std::function<void(DemoController&, Done)> action;
    int timeoutMs = 90000;
};

// A whole walkthrough. The controller adds the final "Clean up" step itself.
struct DemoScript {
    QString id;     // e1..e4
    QString title;  // "E4 · RPC load balancing and high availability"
    QString intro;
    bool showsCounts = false;  // the per-instance table matters (E2, E4)
    std::vector<DemoStep> steps;
};

// The four scenarios of the seed, on one machine. Pure factories; GUI thread.
DemoScript nodeIntroDemo();  // e1
DemoScript nodeHaDemo();     // e2
DemoScript rpcIntroDemo();   // e3
DemoScript rpcLoadDemo();    // e4
// By id (e1..e4, case-insensitive); an empty script (no steps) when unknown.
DemoScript demoById(const QString& id);
QStringList demoIds();

}  // namespace meshx::ui
