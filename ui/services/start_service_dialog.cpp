#include "ui/services/start_service_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "common/hostname.h"
#include "common/mesh_config.h"
#include "mesh/service_mesh.h"
#include "ui/shared/hint_line.h"

namespace meshx::ui {

namespace {

const QString kDefault = QStringLiteral("default");

}  // namespace

StartServiceDialog::StartServiceDialog(mesh::ServiceMesh& mesh, const MeshConfig& config,
                                       QWidget* parent)
    : QDialog(parent), mesh_(mesh), config_(config) {
    setObjectName(QStringLiteral("startServiceDialog"));
    setWindowTitle(tr("Start a service"));
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    name_ = new QLineEdit(this);
    name_->setObjectName(QStringLiteral("name"));
    name_->setPlaceholderText(tr("web"));
    id_ = new QLineEdit(this);
    id_->setObjectName(QStringLiteral("id"));
    id_->setPlaceholderText(tr("<name>-%1").arg(QString::fromStdString(shortHostname())));
    template_ = new QComboBox(this);
    template_->setObjectName(QStringLiteral("template"));
    template_->addItem(kDefault);
    for (const auto& name : mesh::namedProxyCommands(config_)) {
        template_->addItem(QString::fromStdString(name));
    }
    for (const auto& [name, text] : config_.templates) {
        if (template_->findText(QString::fromStdString(name)) < 0) {
            template_->addItem(QString::fromStdString(name));
        }
    }
    extra_ = new QLineEdit(this);
    extra_->setObjectName(QStringLiteral("extraValues"));
    extra_->setPlaceholderText(tr("optional JSON, e.g. {\"version\": \"2\"}"));
    force_ =
        new QCheckBox(tr("Force registration (take over a service registered elsewhere)"), this);
    force_->setObjectName(QStringLiteral("forceRegistration"));

    editor_ = new QPlainTextEdit(this);
    editor_->setObjectName(QStringLiteral("templateEditor"));
    editor_->setFont(mono);
    editor_->setLineWrapMode(QPlainTextEdit::NoWrap);
    editor_->setTabChangesFocus(true);
    previewText_ = new QPlainTextEdit(this);
    previewText_->setObjectName(QStringLiteral("preview"));
    previewText_->setFont(mono);
    previewText_->setReadOnly(true);
    previewText_->setLineWrapMode(QPlainTextEdit::NoWrap);

    auto* form = new QFormLayout;
    form->addRow(tr("&Name"), name_);
    form->addRow(tr("&ID"), id_);
    form->addRow(tr("&Template"), template_);
    form->addRow(tr("E&xtra values"), extra_);
    form->addRow(QString(), force_);

    auto* editorBox = new QWidget(this);
    auto* editorLayout = new QVBoxLayout(editorBox);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    auto* editorLabel = new QLabel(tr("Template (JSON: registration, ttl, proxy; Mustache "
                                      "values {{name}}, {{id}}, {{address}}, {{$port$}})"),
                                   editorBox);
    editorLabel->setWordWrap(true);
    editorLabel->setBuddy(editor_);
    editorLayout->addWidget(editorLabel);
    editorLayout->addWidget(editor_);
    auto* previewBox = new QWidget(this);
    auto* previewLayout = new QVBoxLayout(previewBox);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addWidget(
        new QLabel(tr("Preview (address and port are allocated at start)"), previewBox));
    previewLayout->addWidget(previewText_);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(editorBox);
    split->addWidget(previewBox);

    hint_ = new HintLine(this);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("&Start"));
    buttons_->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("startButton"));
    connect(buttons_, &QDialogButtonBox::accepted, this, [this] {
        updatePreview();
        if (preview_.ok()) {
            accept();
        }
    });
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(split, 1);
    layout->addWidget(hint_);
    layout->addWidget(buttons_);

    debounce_.setSingleShot(true);
    debounce_.setInterval(150);
    connect(&debounce_, &QTimer::timeout, this, &StartServiceDialog::updatePreview);
    auto later = [this] { debounce_.start(); };
    connect(name_, &QLineEdit::textChanged, this, later);
    connect(id_, &QLineEdit::textChanged, this, later);
    connect(extra_, &QLineEdit::textChanged, this, later);
    connect(editor_, &QPlainTextEdit::textChanged, this, later);
    connect(template_, &QComboBox::currentIndexChanged, this, &StartServiceDialog::loadTemplate);

    loadTemplate(0);
    resize(980, 620);
    name_->setFocus();
}

void StartServiceDialog::prefill(const QString& name, const QString& id, bool force) {
    name_->setText(name);
    id_->setText(id);
    force_->setChecked(force);
    updatePreview();
}

bool StartServiceDialog::selectTemplate(const QString& name) {
    const int index = template_->findText(name);
    if (index < 0) {
        return false;
    }
    template_->setCurrentIndex(index);
    loadTemplate(index);
    return true;
}

QStringList StartServiceDialog::templateNames() const {
    QStringList names;
    for (int i = 0; i < template_->count(); ++i) {
        names << template_->itemText(i);
    }
    return names;
}

bool StartServiceDialog::forceRegistration() const {
    return force_->isChecked();
}

void StartServiceDialog::loadTemplate(int index) {
    const QString name = template_->itemText(index);
    Result<mesh::ServiceTemplate> t =
        name == kDefault ? Result<mesh::ServiceTemplate>(mesh::defaultServiceTemplate(config_))
                         : mesh::namedServiceTemplate(config_, name.toStdString());
    if (t) {
        editor_->setPlainText(QString::fromStdString(t->toJson().dump(2)));
    } else {
        hint_->showError(QString::fromStdString(t.error().message));
    }
    updatePreview();
}

void StartServiceDialog::updatePreview() {
    debounce_.stop();
    StartPreview::Input input;
    input.name = name_->text();
    input.id = id_->text();
    input.templateJson = editor_->toPlainText();
    input.extraJson = extra_->text();
    preview_ = StartPreview::build(input, mesh::defaultServiceTemplate(config_), mesh_);
    updateWidgets();
}

void StartServiceDialog::updateWidgets() {
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(preview_.ok());
    if (!preview_.ok()) {
        hint_->showError(preview_.error);
        previewText_->setPlainText(tr("(fix the error below to see the preview)"));
        return;
    }
    const std::string id = preview_.params.hash.value("id", std::string());
    hint_->showInfo(tr("Ready to start %1.").arg(QString::fromStdString(id)));
    previewText_->setPlainText(tr("Registration:\n%1\n\nTTL: %2\n\nProxy: %3")
                                   .arg(preview_.registration, preview_.ttl, preview_.proxy));
}

}  // namespace meshx::ui
