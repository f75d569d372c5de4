#include "ui/nodes/nodes_page.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/nodes/node_workbench.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_context.h"

namespace meshx::ui {

struct NodesPage::Widgets {
    QLineEdit* name;
    QLineEdit* cookie;
    QPushButton* start;
    QPushButton* stop;
    QLabel* state;
    QLineEdit* peer;
    QPushButton* connect;
    QPushButton* disconnect;
    QTableWidget* peers;
    QComboBox* rpcNode;
    QLineEdit* module;
    QLineEdit* function;
    QLineEdit* args;
    QLabel* argsError;
    QPushButton* call;
    QPlainTextEdit* results;
    QTimer* refresh;
};

NodesPage::NodesPage(QWidget* parent)
    : QWidget(parent), workbench_(new NodeWorkbench(this)), w_(std::make_unique<Widgets>()) {
    Widgets& w = *w_;
    auto* nodeBox = new QGroupBox(tr("Our node"), this);
    w.name = new QLineEdit(QStringLiteral("console@127.0.0.1"), nodeBox);
    w.name->setObjectName(QStringLiteral("nodeName"));
    w.cookie = new QLineEdit(nodeBox);
    w.cookie->setObjectName(QStringLiteral("nodeCookie"));
    w.cookie->setEchoMode(QLineEdit::Password);
    w.cookie->setPlaceholderText(tr("cookie (masked, never shown or logged)"));
    w.start = new QPushButton(tr("Start"), nodeBox);
    w.start->setObjectName(QStringLiteral("nodeStart"));
    w.stop = new QPushButton(tr("Stop"), nodeBox);
    w.stop->setObjectName(QStringLiteral("nodeStop"));
    w.state = new QLabel(tr("not started"), nodeBox);
    w.state->setObjectName(QStringLiteral("nodeState"));
    auto* nodeRow = new QHBoxLayout;
    nodeRow->addWidget(new QLabel(tr("Name"), nodeBox));
    nodeRow->addWidget(w.name, 2);
    nodeRow->addWidget(new QLabel(tr("Cookie"), nodeBox));
    nodeRow->addWidget(w.cookie, 1);
    nodeRow->addWidget(w.start);
    nodeRow->addWidget(w.stop);
    auto* nodeLayout = new QVBoxLayout(nodeBox);
    nodeLayout->addLayout(nodeRow);
    nodeLayout->addWidget(w.state);

    auto* peersBox = new QGroupBox(tr("Connected nodes"), this);
    w.peer = new QLineEdit(QStringLiteral("service@any"), peersBox);
    w.peer->setObjectName(QStringLiteral("nodePeer"));
    w.peer->setToolTip(
        tr("Connect adds the node's service as an upstream of our node service's sidecar and "
           "runs the distribution handshake through it (no EPMD)."));
    w.connect = new QPushButton(tr("Connect"), peersBox);
    w.connect->setObjectName(QStringLiteral("nodeConnect"));
    w.disconnect = new QPushButton(tr("Disconnect"), peersBox);
    w.disconnect->setObjectName(QStringLiteral("nodeDisconnect"));
    w.peers = new QTableWidget(0, 5, peersBox);
    w.peers->setObjectName(QStringLiteral("nodePeers"));
    w.peers->setHorizontalHeaderLabels(
        {tr("Node"), tr("Direction"), tr("Endpoint"), tr("Handshakes"), tr("Ticks")});
    w.peers->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    w.peers->verticalHeader()->hide();
    w.peers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* peerRow = new QHBoxLayout;
    peerRow->addWidget(new QLabel(tr("Node"), peersBox));
    peerRow->addWidget(w.peer, 1);
    peerRow->addWidget(w.connect);
    peerRow->addWidget(w.disconnect);
    auto* peersLayout = new QVBoxLayout(peersBox);
    peersLayout->addLayout(peerRow);
    peersLayout->addWidget(w.peers, 1);

    auto* rpcBox = new QGroupBox(tr("rpc (Erlang syntax)"), this);
    w.rpcNode = new QComboBox(rpcBox);
    w.rpcNode->setObjectName(QStringLiteral("nodeRpcNode"));
    w.rpcNode->setEditable(true);
    w.rpcNode->setEditText(QStringLiteral("service@any"));
    w.rpcNode->setMinimumContentsLength(14);
    w.module = new QLineEdit(QStringLiteral("erlang"), rpcBox);
    w.module->setObjectName(QStringLiteral("nodeRpcModule"));
    w.function = new QLineEdit(QStringLiteral("node"), rpcBox);
    w.function->setObjectName(QStringLiteral("nodeRpcFunction"));
    w.args = new QLineEdit(QStringLiteral("[]"), rpcBox);
    w.args->setObjectName(QStringLiteral("nodeRpcArgs"));
    w.args->setPlaceholderText(tr("argument list, e.g. [[3,1,2]] or [\"text\", {a, 1}]"));
    w.argsError = new QLabel(rpcBox);
    w.argsError->setObjectName(QStringLiteral("nodeRpcArgsError"));
    w.argsError->setWordWrap(true);
    w.call = new QPushButton(tr("Call"), rpcBox);
    w.call->setObjectName(QStringLiteral("nodeRpcCall"));
    w.results = new QPlainTextEdit(rpcBox);
    w.results->setObjectName(QStringLiteral("nodeRpcResults"));
    w.results->setReadOnly(true);
    w.results->setMaximumBlockCount(500);
    auto* rpcRow = new QHBoxLayout;
    rpcRow->addWidget(w.rpcNode, 2);
    rpcRow->addWidget(w.module, 1);
    rpcRow->addWidget(new QLabel(QStringLiteral(":"), rpcBox));
    rpcRow->addWidget(w.function, 1);
    rpcRow->addWidget(w.args, 3);
    rpcRow->addWidget(w.call);
    auto* rpcLayout = new QVBoxLayout(rpcBox);
    rpcLayout->addLayout(rpcRow);
    rpcLayout->addWidget(w.argsError);
    rpcLayout->addWidget(w.results, 1);

    hint_ = new HintLine(this);
    hint_->setObjectName(QStringLiteral("nodesHint"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(nodeBox);
    layout->addWidget(peersBox, 1);
    layout->addWidget(rpcBox, 2);
    layout->addWidget(hint_);

    w.refresh = new QTimer(this);
    w.refresh->setInterval(2000);
    connect(w.refresh, &QTimer::timeout, this, &NodesPage::refreshPeers);

    connect(w.start, &QPushButton::clicked, this, &NodesPage::startNode);
    connect(w.stop, &QPushButton::clicked, this, [this] {
        busy_ = true;
        workbench_->stop([this] {
            busy_ = false;
            hint_->showInfo(tr("Node stopped; its service was deregistered."));
            refreshPeers();
            updateWidgets();
        });
    });
    connect(w.connect, &QPushButton::clicked, this, [this] { connectPeer(true); });
    connect(w.disconnect, &QPushButton::clicked, this, [this] { connectPeer(false); });
    connect(w.call, &QPushButton::clicked, this, &NodesPage::callRpc);
    connect(w.args, &QLineEdit::returnPressed, this, &NodesPage::callRpc);
    connect(w.args, &QLineEdit::textChanged, this, &NodesPage::updateWidgets);
    connect(w.cookie, &QLineEdit::textChanged, this, &NodesPage::updateWidgets);
    connect(workbench_, &NodeWorkbench::stateChanged, this, &NodesPage::updateWidgets);
    if (NodeWorkbench::available()) {
        hint_->showInfo(tr("Start our node, connect to a node service, then rpc."));
    } else {
        hint_->showError(tr("This build has no Erlang node (erl_interface was missing)."));
    }
    updateWidgets();
}

NodesPage::~NodesPage() = default;

void NodesPage::setContext(ConsoleContext* context) {
    if (!context && context_) {
        workbench_->stopNow();  // the resolver uses the session's engine: stop before it goes
    }
    context_ = context;
    updateWidgets();
}

void NodesPage::startNode() {
    if (!context_) {
        return;
    }
    busy_ = true;
    updateWidgets();
    const QString name = w_->name->text().trimmed();
    hint_->showInfo(tr("Starting %1…").arg(name));
    workbench_->start(*context_, name, w_->cookie->text(), [this, name](Status s) {
        busy_ = false;
        if (s) {
            hint_->showSuccess(
                tr("%1 listens at %2 as node service %3.")
                    .arg(workbench_->name(), workbench_->listenAddress(), workbench_->serviceId()));
            w_->refresh->start();
        } else {
            hint_->showError(
                tr("Could not start %1: %2").arg(name, QString::fromStdString(s.error().message)));
        }
        updateWidgets();
    });
}

void NodesPage::connectPeer(bool connect) {
    const QString peer = w_->peer->text().trimmed();
    if (peer.isEmpty()) {
        hint_->showError(tr("Name the node, e.g. service@any."));
        return;
    }
    busy_ = true;
    updateWidgets();
    auto done = [this, peer, connect](Status s) {
        busy_ = false;
        if (s) {
            hint_->showSuccess(connect ? tr("Connected to %1.").arg(peer)
                                       : tr("Disconnected from %1.").arg(peer));
            if (connect && w_->rpcNode->findText(peer) < 0) {
                w_->rpcNode->addItem(peer);
            }
        } else {
            hint_->showError(tr("%1 %2: %3")
                                 .arg(connect ? tr("Connect to") : tr("Disconnect from"), peer,
                                      QString::fromStdString(s.error().message)));
        }
        refreshPeers();
        updateWidgets();
    };
    if (connect) {
        workbench_->connectNode(peer, done);
    } else {
        workbench_->disconnectNode(peer, done);
    }
}

void NodesPage::callRpc() {
    const QString error = NodeWorkbench::argsError(w_->args->text());
    if (!error.isEmpty()) {
        hint_->showError(tr("Fix the arguments: %1").arg(error));
        return;
    }
    const QString peer = w_->rpcNode->currentText().trimmed();
    const QString call = QStringLiteral("%1:%2(%3)")
                             .arg(w_->module->text().trimmed(), w_->function->text().trimmed(),
                                  w_->args->text().trimmed());
    workbench_->rpc(peer, w_->module->text(), w_->function->text(), w_->args->text(),
                    [this, peer, call](Result<QString> r) {
                        const QString time =
                            QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz"));
                        if (r) {
                            w_->results->appendPlainText(
                                QStringLiteral("%1 %2 %3 → %4").arg(time, peer, call, *r));
                            hint_->showSuccess(tr("%1 answered %2").arg(peer, *r));
                        } else {
                            const QString why = QString::fromStdString(r.error().message);
                            w_->results->appendPlainText(
                                QStringLiteral("%1 %2 %3 ✗ %4").arg(time, peer, call, why));
                            hint_->showError(tr("rpc on %1 failed: %2").arg(peer, why));
                        }
                        refreshPeers();
                    });
}

void NodesPage::refreshPeers() {
    if (!workbench_->started()) {
        w_->refresh->stop();
        w_->peers->setRowCount(0);
        return;
    }
    workbench_->list([this](std::vector<NodeWorkbench::Peer> peers) {
        w_->peers->setRowCount(static_cast<int>(peers.size()));
        for (int row = 0; row < static_cast<int>(peers.size()); ++row) {
            const auto& p = peers[static_cast<size_t>(row)];
            const QStringList cells = {p.name, p.direction, p.endpoint,
                                       QString::number(p.handshakes), QString::number(p.ticks)};
            for (int col = 0; col < cells.size(); ++col) {
                w_->peers->setItem(row, col, new QTableWidgetItem(cells[col]));
            }
        }
    });
}

void NodesPage::updateWidgets() {
    Widgets& w = *w_;
    const bool ok = NodeWorkbench::available() && context_ != nullptr;
    const bool started = workbench_->started();
    w.start->setEnabled(ok && !started && !busy_ && !w.cookie->text().isEmpty());
    w.stop->setEnabled(started && !busy_);
    w.name->setEnabled(!started);
    w.cookie->setEnabled(!started);
    w.state->setText(
        started ? tr("%1 listening at %2 (node service %3)")
                      .arg(workbench_->name(), workbench_->listenAddress(), workbench_->serviceId())
                : tr("not started"));
    w.connect->setEnabled(started && !busy_);
    w.disconnect->setEnabled(started && !busy_);
    const QString error = NodeWorkbench::argsError(w.args->text());
    w.argsError->setText(error);
    w.argsError->setVisible(!error.isEmpty());
    w.args->setStyleSheet(error.isEmpty() ? QString()
                                          : QStringLiteral("background: #f8d7da; color: #000"));
    w.call->setEnabled(started && error.isEmpty());
}

}  // namespace meshx::ui
