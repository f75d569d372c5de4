#include "ui/demo/demo_panel.h"

#include <QCloseEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "ui/demo/demo_controller.h"
#include "ui/rpc/instance_count_model.h"
#include "ui/rpc/rpc_workbench.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"

namespace meshx::ui {

struct DemoPanel::Widgets {
    QLabel* title;
    QLabel* intro;
    QListWidget* steps;
    QTextBrowser* explanation;
    QTableView* counts;
    QPlainTextEdit* log;
    QPushButton* next;
    QPushButton* runAll;
    QPushButton* stop;
};

namespace {

QString mark(DemoController::StepState s) {
    switch (s) {
        case DemoController::StepState::Pending:
            return QStringLiteral("○");
        case DemoController::StepState::Running:
            return QStringLiteral("▶");
        case DemoController::StepState::Passed:
            return QStringLiteral("✔");
        case DemoController::StepState::Failed:
            return QStringLiteral("✘");
        case DemoController::StepState::Skipped:
            return QStringLiteral("–");
    }
    return {};
}

}  // namespace

DemoPanel::DemoPanel(DemoController* controller, QWidget* parent)
    : QDockWidget(parent), controller_(controller), w_(new Widgets) {
    setObjectName(QStringLiteral("demoPanel"));
    setWindowTitle(tr("Guided demo"));
    setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
    controller_->setParent(this);
    Widgets& w = *w_;
    auto* body = new QWidget(this);
    w.title = new QLabel(controller_->script().title, body);
    w.title->setObjectName(QStringLiteral("demoTitle"));
    QFont f = w.title->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.25);
    w.title->setFont(f);
    w.intro = new QLabel(controller_->script().intro, body);
    w.intro->setWordWrap(true);
    w.steps = new QListWidget(body);
    w.steps->setObjectName(QStringLiteral("demoSteps"));
    w.steps->setWordWrap(true);
    for (int i = 0; i < controller_->stepCount(); ++i) {
        w.steps->addItem(QString());
    }
    w.explanation = new QTextBrowser(body);
    w.explanation->setObjectName(QStringLiteral("demoExplanation"));
    w.explanation->setMaximumHeight(130);
    w.counts = new QTableView(body);
    w.counts->setObjectName(QStringLiteral("demoCounts"));
    w.counts->setModel(&controller_->counts());
    w.counts->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    w.counts->verticalHeader()->hide();
    w.counts->setMaximumHeight(110);
    w.counts->setVisible(controller_->script().showsCounts);
    w.log = new QPlainTextEdit(body);
    w.log->setObjectName(QStringLiteral("demoLog"));
    w.log->setReadOnly(true);
    w.log->setMaximumBlockCount(3000);
    w.log->setLineWrapMode(QPlainTextEdit::NoWrap);
    w.next = new QPushButton(tr("Next"), body);
    w.next->setObjectName(QStringLiteral("demoNext"));
    w.runAll = new QPushButton(tr("Run all"), body);
    w.runAll->setObjectName(QStringLiteral("demoRunAll"));
    w.stop = new QPushButton(tr("Stop && clean up"), body);
    w.stop->setObjectName(QStringLiteral("demoStop"));
    hint_ = new HintLine(body);
    hint_->setObjectName(QStringLiteral("demoHint"));
    hint_->setWordWrap(true);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(w.next);
    buttons->addWidget(w.runAll);
    buttons->addWidget(w.stop);
    auto* layout = new QVBoxLayout(body);
    layout->addWidget(w.title);
    layout->addWidget(w.intro);
    layout->addWidget(w.steps, 3);
    layout->addWidget(w.explanation, 1);
    layout->addWidget(w.counts);
    layout->addWidget(w.log, 3);
    layout->addLayout(buttons);
    layout->addWidget(hint_);
    setWidget(body);
    setMinimumWidth(520);

    connect(w.next, &QPushButton::clicked, controller_, &DemoController::next);
    connect(w.runAll, &QPushButton::clicked, controller_, &DemoController::runAll);
    connect(w.stop, &QPushButton::clicked, controller_, &DemoController::abort);
    connect(w.steps, &QListWidget::currentRowChanged, this, &DemoPanel::showExplanation);
    connect(controller_, &DemoController::stepChanged, this, [this](int) { updateWidgets(); });
    connect(controller_, &DemoController::logLine, this,
            [this](const QString& line) { w_->log->appendPlainText(line); });
    connect(controller_, &DemoController::demoFinished, this, [this](bool ok) {
        if (ok) {
            hint_->showSuccess(tr("Every step passed, and the demo cleaned up after itself."));
        } else {
            hint_->showError(tr("A step failed (see its note); the demo cleaned up."));
        }
        updateWidgets();
    });
    if (parent) {
        parent->installEventFilter(this);
    }
    hint_->showInfo(tr("Next runs one step; Run all runs the rest unattended."));
    updateWidgets();
}

DemoPanel::~DemoPanel() {
    delete controller_;  // cleans up (blocking, bounded) while the session still exists
    controller_ = nullptr;
    delete w_;
}

bool DemoPanel::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Close && watched == parent() && controller_) {
        controller_->cleanupNow();
    }
    return QDockWidget::eventFilter(watched, event);
}

void DemoPanel::showExplanation(int step) {
    if (step < 0 || step >= controller_->stepCount()) {
        return;
    }
    const auto& s = controller_->script().steps[static_cast<size_t>(step)];
    QString html =
        QStringLiteral("<b>%1. %2</b>%3").arg(step + 1).arg(s.title.toHtmlEscaped(), s.explanation);
    w_->explanation->setHtml(html);
}

void DemoPanel::updateWidgets() {
    Widgets& w = *w_;
    for (int i = 0; i < controller_->stepCount(); ++i) {
        const auto state = controller_->stepState(i);
        QString text = QStringLiteral("%1  %2. %3")
                           .arg(mark(state))
                           .arg(i + 1)
                           .arg(controller_->script().steps[static_cast<size_t>(i)].title);
        const QString note = controller_->stepNote(i);
        if (!note.isEmpty()) {
            text += QStringLiteral("\n      ") + note;
        }
        QListWidgetItem* item = w.steps->item(i);
        item->setText(text);
        item->setToolTip(note);
        QColor colour = palette().color(QPalette::Text);
        if (state == DemoController::StepState::Passed) {
            colour = QColor(0x2e, 0x9d, 0x4f);
        } else if (state == DemoController::StepState::Failed) {
            colour = QColor(0xd0, 0x3a, 0x3a);
        }
        item->setForeground(colour);
    }
    const int current = std::min(controller_->currentStep(), controller_->stepCount() - 1);
    if (w.steps->currentRow() != current) {
        w.steps->setCurrentRow(current);
    } else {
        showExplanation(current);
    }
    const bool done = controller_->finished();
    w.next->setEnabled(!done && !controller_->running());
    w.runAll->setEnabled(!done && !controller_->running());
    w.stop->setEnabled(!done);
}

DemoController* startDemo(MainWindow& window, const QString& id, bool autoRun) {
    if (!window.context()) {
        return nullptr;
    }
    DemoScript script = demoById(id);
    if (script.steps.empty()) {
        return nullptr;
    }
    delete window.findChild<DemoPanel*>(QStringLiteral("demoPanel"));
    auto* controller = new DemoController(std::move(script), *window.context());
    auto* panel = new DemoPanel(controller, &window);
    window.addDockWidget(Qt::RightDockWidgetArea, panel);
    panel->show();
    QObject::connect(&window, &MainWindow::sessionChanged, panel, [panel](ConsoleSession* session) {
        if (!session) {
            delete panel;  // clean up while the session still exists
        }
    });
    if (autoRun) {
        controller->runAll();
    }
    return controller;
}

void installDemoMenu(MainWindow& window) {
    QMenu* menu = window.menuBar()->addMenu(QObject::tr("&Demos"));
    const QStringList titles = {
        QObject::tr("E1 · Erlang nodes through the mesh"),
        QObject::tr("E2 · Erlang node high availability"),
        QObject::tr("E3 · RPC through the mesh"),
        QObject::tr("E4 · RPC load balancing and high availability"),
    };
    const QStringList ids = demoIds();
    for (int i = 0; i < ids.size(); ++i) {
        QAction* a = menu->addAction(titles[i]);
        a->setObjectName(QStringLiteral("demo-") + ids[i]);
        QObject::connect(a, &QAction::triggered, &window, [&window, id = ids[i]] {
            if (!startDemo(window, id, false)) {
                window.statusBar()->showMessage(
                    QObject::tr("A demo needs a session on an agent: see Settings."), 8000);
            }
        });
    }
}

}  // namespace meshx::ui
