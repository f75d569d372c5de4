#include "ui/intentions/intentions_view.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/shared/hint_line.h"
#include "ui/shared/intentions_model.h"
#include "ui/shared/services_model.h"
#include "ui/shared/view_parts.h"
#include "ui/shell/console_context.h"

namespace meshx::ui {

IntentionsView::IntentionsView(ConsoleContext& context, QWidget* parent)
    : QWidget(parent), context_(context) {
    source_ = makeNameCombo(this, "source", 14, tr("source (or *)"));
    destination_ = makeNameCombo(this, "destination", 14, tr("destination (or *)"));
    description_ = new QLineEdit(this);
    description_->setObjectName(QStringLiteral("description"));
    description_->setPlaceholderText(tr("description (optional)"));

    allow_ = addViewAction(this, tr("&Allow"), QKeySequence(Qt::CTRL | Qt::Key_Return), "allow");
    deny_ = addViewAction(this, tr("De&ny"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return),
                          "deny");
    delete_ = addViewAction(this, tr("&Delete"), QKeySequence::Delete, "deleteIntention");
    auto createWith = [this](const QString& action) {
        create(source_->currentText().trimmed(), destination_->currentText().trimmed(), action,
               description_->text().trimmed());
    };
    connect(allow_, &QAction::triggered, this,
            [createWith] { createWith(QStringLiteral("allow")); });
    connect(deny_, &QAction::triggered, this, [createWith] { createWith(QStringLiteral("deny")); });
    connect(delete_, &QAction::triggered, this, &IntentionsView::deleteSelected);

    auto* allowButton = new QPushButton(tr("Allow"), this);
    allowButton->setToolTip(tr("Create or replace: source may reach destination (Ctrl+Enter)"));
    connect(allowButton, &QPushButton::clicked, allow_, &QAction::trigger);
    auto* denyButton = new QPushButton(tr("Deny"), this);
    denyButton->setToolTip(
        tr("Create or replace: source may not reach destination (Ctrl+Shift+Enter)"));
    connect(denyButton, &QPushButton::clicked, deny_, &QAction::trigger);
    auto* deleteButton = new QPushButton(tr("Delete"), this);
    connect(deleteButton, &QPushButton::clicked, delete_, &QAction::trigger);
    connect(delete_, &QAction::changed, deleteButton,
            [this, deleteButton] { deleteButton->setEnabled(delete_->isEnabled()); });

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("From"), this));
    bar->addWidget(source_);
    bar->addWidget(new QLabel(tr("to"), this));
    bar->addWidget(destination_);
    bar->addWidget(description_, 1);
    bar->addWidget(allowButton);
    bar->addWidget(denyButton);
    bar->addSpacing(20);
    bar->addWidget(deleteButton);

    banner_ = new HintLine(this);
    banner_->hide();
    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("intentionsTable"));
    table_->setModel(&context_.intentions());
    setUpRowTable(table_);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->resizeSection(IntentionsModel::Source, 180);
    table_->horizontalHeader()->resizeSection(IntentionsModel::Destination, 180);
    popUpOnRows(table_, {delete_});

    hint_ = new HintLine(this);
    hint_->showInfo(tr("Pick a source and a destination (* for any), then Allow or Deny."));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(banner_);
    layout->addWidget(table_, 1);
    layout->addWidget(hint_);

    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &IntentionsView::updateWidgets);
    connect(&context_.intentions(), &QAbstractItemModel::modelReset, this,
            &IntentionsView::updateWidgets);
    connect(&context_.intentions(), &IntentionsModel::errorChanged, this,
            [this](const QString& error) {
                banner_->setVisible(!error.isEmpty());
                banner_->showError(error);
            });
    connect(&context_.services(), &QAbstractItemModel::rowsInserted, this,
            &IntentionsView::refreshPickers);
    refreshPickers();
    updateWidgets();
}

void IntentionsView::refreshPickers() {
    QStringList names{QStringLiteral("*")};
    names << context_.services().serviceNames();
    for (QComboBox* box : {source_, destination_}) {
        const QString current = box->currentText();
        box->clear();
        box->addItems(names);
        box->setCurrentText(current);
    }
}

bool IntentionsView::selectIntention(const QString& source, const QString& destination) {
    const int row = context_.intentions().rowOf(source, destination);
    if (row < 0) {
        return false;
    }
    table_->selectRow(row);
    return true;
}

void IntentionsView::create(const QString& source, const QString& destination,
                            const QString& action, const QString& description) {
    if (source.isEmpty() || destination.isEmpty()) {
        hint_->showError(tr("Name both a source and a destination (or * for any)."));
        return;
    }
    hint_->showInfo(tr("Sending %1 → %2: %3…").arg(source, destination, action));
    QPointer<IntentionsView> self(this);
    context_.intentions().upsert(
        source, destination, action, description,
        [this, self, source, destination, action](Status st) {
            if (!self) {
                return;
            }
            if (!st) {
                hint_->showError(
                    tr("The agent refused %1 → %2: %3.")
                        .arg(source, destination, QString::fromStdString(st.error().toString())));
                return;
            }
            hint_->showSuccess(
                action == QLatin1String("deny")
                    ? tr("%1 may no longer reach %2; new connections through its upstream are "
                         "refused.")
                          .arg(source, destination)
                    : tr("%1 may reach %2.").arg(source, destination));
        });
}

void IntentionsView::deleteSelected() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        hint_->showError(tr("Select an intention to delete."));
        return;
    }
    const QString source = rows.front().data(IntentionsModel::SourceRole).toString();
    const QString destination = rows.front().data(IntentionsModel::DestinationRole).toString();
    QPointer<IntentionsView> self(this);
    context_.intentions().remove(source, destination, [this, self, source, destination](Status st) {
        if (!self) {
            return;
        }
        if (!st) {
            hint_->showError(
                tr("Could not delete %1 → %2: %3.")
                    .arg(source, destination, QString::fromStdString(st.error().toString())));
            return;
        }
        hint_->showSuccess(
            tr("Deleted %1 → %2; the default policy applies again.").arg(source, destination));
    });
}

void IntentionsView::updateWidgets() {
    delete_->setEnabled(table_->selectionModel()->hasSelection());
}

}  // namespace meshx::ui
