#include "ui/settings/settings_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cstdlib>

#include "mesh/service_template.h"
#include "template/template_renderer.h"
#include "ui/shared/hint_line.h"

namespace meshx::ui {

namespace {

QWidget* withButton(QWidget* parent, QLineEdit* edit, QPushButton* button) {
    auto* box = new QWidget(parent);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(edit, 1);
    row->addWidget(button);
    return box;
}

// The error of a template text, or empty when it would be accepted.
QString templateProblem(const QString& text) {
    auto parsed = tmpl::TemplateRenderer::parseJson(text.toStdString());
    if (!parsed) {
        return QObject::tr("Not valid JSON: %1")
            .arg(QString::fromStdString(parsed.error().message));
    }
    auto t = mesh::ServiceTemplate::fromJson(*parsed, mesh::ServiceTemplate::defaults({"proxy"}));
    if (!t) {
        return QString::fromStdString(t.error().message);
    }
    return {};
}

}  // namespace

SettingsPage::SettingsPage(const QString& effective, QWidget* parent) : QWidget(parent) {
    address_ = new QLineEdit(this);
    address_->setObjectName(QStringLiteral("agentAddress"));
    address_->setPlaceholderText(tr("empty: CONSUL_HTTP_ADDR, else an embedded dev agent"));
    token_ = new QLineEdit(this);
    token_->setObjectName(QStringLiteral("token"));
    token_->setEchoMode(QLineEdit::Password);
    token_->setPlaceholderText(tr("ACL token (never shown, never logged)"));
    auto* showToken = new QPushButton(tr("Show"), this);
    showToken->setCheckable(true);
    connect(showToken, &QPushButton::toggled, token_,
            [this](bool on) { token_->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password); });
    storeToken_ = new QCheckBox(tr("Remember the token on this computer (kept in plain text "
                                   "in the console's settings file)"),
                                this);
    storeToken_->setObjectName(QStringLiteral("storeToken"));
    caCert_ = new QLineEdit(this);
    clientCert_ = new QLineEdit(this);
    clientKey_ = new QLineEdit(this);
    auto browse = [this](QLineEdit* target, const QString& title) {
        auto* b = new QPushButton(tr("Browse…"), this);
        connect(b, &QPushButton::clicked, this, [this, target, title] { pickFile(target, title); });
        return b;
    };
    portMin_ = new QSpinBox(this);
    portMax_ = new QSpinBox(this);
    for (QSpinBox* s : {portMin_, portMax_}) {
        s->setRange(0, 65535);
        s->setSpecialValueText(tr("default"));
    }
    restarts_ = new QSpinBox(this);
    restarts_->setRange(-1, 1000);
    restarts_->setSpecialValueText(tr("default (5)"));
    restarts_->setMaximumWidth(160);
    proxyTemplate_ = new QComboBox(this);
    proxyTemplate_->setEditable(true);
    proxyTemplate_->addItem(QString());
    for (const auto& name : mesh::namedProxyCommands()) {
        proxyTemplate_->addItem(QString::fromStdString(name));
    }
    proxyTemplate_->lineEdit()->setPlaceholderText(tr("default: meshx-proxy"));

    auto* ports = new QWidget(this);
    auto* portsRow = new QHBoxLayout(ports);
    portsRow->setContentsMargins(0, 0, 0, 0);
    portsRow->addWidget(portMin_);
    portsRow->addWidget(new QLabel(tr("to"), ports));
    portsRow->addWidget(portMax_);
    portsRow->addStretch(1);

    // OpenTelemetry in: off by default; applies on Save, no reconnect needed.
    otlpReceive_ = new QCheckBox(tr("Receive OpenTelemetry spans (OTLP/HTTP JSON) on"), this);
    otlpReceive_->setObjectName(QStringLiteral("otlpReceive"));
    otlpReceive_->setToolTip(
        tr("Applications' OpenTelemetry SDKs post their traces to http://ADDRESS/v1/traces; the "
           "spans appear in Telemetry beside the mesh's events, tagged with their service.name."));
    otlpListen_ = new QLineEdit(this);
    otlpListen_->setObjectName(QStringLiteral("otlpListen"));
    otlpListen_->setPlaceholderText(QStringLiteral("127.0.0.1:4318"));
    otlpStatus_ = new QLabel(tr("Off"), this);
    otlpStatus_->setObjectName(QStringLiteral("otlpStatus"));
    auto* otlp = new QWidget(this);
    auto* otlpRow = new QHBoxLayout(otlp);
    otlpRow->setContentsMargins(0, 0, 0, 0);
    otlpRow->addWidget(otlpReceive_);
    otlpRow->addWidget(otlpListen_, 1);
    connect(otlpReceive_, &QCheckBox::toggled, otlpListen_, &QLineEdit::setEnabled);

    auto* form = new QFormLayout;
    form->addRow(tr("Agent &address"), address_);
    form->addRow(tr("&Token"), withButton(this, token_, showToken));
    form->addRow(QString(), storeToken_);
    form->addRow(tr("CA certificate"),
                 withButton(this, caCert_, browse(caCert_, tr("CA certificate"))));
    form->addRow(tr("Client certificate"),
                 withButton(this, clientCert_, browse(clientCert_, tr("Client certificate"))));
    form->addRow(tr("Client key"),
                 withButton(this, clientKey_, browse(clientKey_, tr("Client key"))));
    form->addRow(tr("&Port range"), ports);
    form->addRow(tr("Proxy &restart limit"), restarts_);
    form->addRow(tr("Default proxy &command"), proxyTemplate_);
    form->addRow(tr("OpenTelemetry"), otlp);
    form->addRow(QString(), otlpStatus_);

    templateList_ = new QListWidget(this);
    templateList_->setObjectName(QStringLiteral("templateList"));
    templateList_->setMaximumWidth(220);
    templateEditor_ = new QPlainTextEdit(this);
    templateEditor_->setObjectName(QStringLiteral("templateText"));
    templateEditor_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    templateEditor_->setPlaceholderText(
        tr("{\"proxy\": [\"sleep\", \"60\"]}  — parts left out come from the default template"));
    templateError_ = new QLabel(this);
    templateError_->setWordWrap(true);
    auto* addTemplate = new QPushButton(tr("Add…"), this);
    auto* removeTemplate = new QPushButton(tr("Remove"), this);
    connect(addTemplate, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("New template"), tr("Name"),
                                                   QLineEdit::Normal, QString(), &ok)
                                 .trimmed();
        if (!ok || name.isEmpty()) {
            return;
        }
        storeTemplateEdit();
        templates_.insert(name, templates_.value(name, QStringLiteral("{\n  \"proxy\": null\n}")));
        if (templateList_->findItems(name, Qt::MatchExactly).isEmpty()) {
            templateList_->addItem(name);
        }
        templateList_->setCurrentItem(templateList_->findItems(name, Qt::MatchExactly).front());
    });
    connect(removeTemplate, &QPushButton::clicked, this, [this] {
        if (auto* item = templateList_->currentItem()) {
            templates_.remove(item->text());
            editing_.clear();
            delete item;
            onTemplateSelected();
        }
    });
    connect(templateList_, &QListWidget::currentItemChanged, this, [this] {
        storeTemplateEdit();
        onTemplateSelected();
    });
    connect(templateEditor_, &QPlainTextEdit::textChanged, this, &SettingsPage::validateTemplate);
    auto* templateButtons = new QHBoxLayout;
    templateButtons->addWidget(addTemplate);
    templateButtons->addWidget(removeTemplate);
    auto* templateLeft = new QVBoxLayout;
    templateLeft->addWidget(templateList_, 1);
    templateLeft->addLayout(templateButtons);
    auto* templateRight = new QVBoxLayout;
    templateRight->addWidget(templateEditor_, 1);
    templateRight->addWidget(templateError_);
    auto* templates = new QHBoxLayout;
    templates->addLayout(templateLeft);
    templates->addLayout(templateRight, 1);

    effective_ = new QLabel(this);
    effective_->setObjectName(QStringLiteral("effective"));
    effective_->setWordWrap(true);
    effective_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setEffective(effective);

    auto* saveButton = new QPushButton(tr("&Save"), this);
    saveButton->setObjectName(QStringLiteral("save"));
    auto* reconnect = new QPushButton(tr("Save and &reconnect"), this);
    reconnect->setObjectName(QStringLiteral("reconnect"));
    reconnect->setToolTip(
        tr("Opens a new session with these settings; the services this "
           "console started are stopped first."));
    connect(saveButton, &QPushButton::clicked, this, &SettingsPage::save);
    connect(reconnect, &QPushButton::clicked, this, [this] {
        if (save()) {
            emit reconnectRequested(current());
        }
    });
    auto* saveShortcut = new QAction(this);
    saveShortcut->setShortcut(QKeySequence::Save);
    saveShortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(saveShortcut, &QAction::triggered, this, &SettingsPage::save);
    addAction(saveShortcut);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(saveButton);
    buttons->addWidget(reconnect);

    hint_ = new HintLine(this);
    if (const char* env = std::getenv("CONSUL_HTTP_ADDR"); env && *env) {
        hint_->showInfo(tr("CONSUL_HTTP_ADDR is set (%1): the environment wins over the agent "
                           "address here.")
                            .arg(QString::fromLocal8Bit(env)));
    } else {
        hint_->showInfo(tr("Changes apply when you reconnect or start the console again."));
    }

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(effective_);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("<b>Named templates</b> (picked in the Start dialog)"), this));
    layout->addLayout(templates, 1);
    layout->addLayout(buttons);
    layout->addWidget(hint_);

    QSettings settings;
    load(ConsoleSettings::load(settings));
}

void SettingsPage::setEffective(const QString& effective) {
    effective_->setText(tr("Running now: %1").arg(effective));
}

void SettingsPage::setOtlpStatus(const QString& status) {
    otlpStatus_->setText(status);
}

void SettingsPage::pickFile(QLineEdit* target, const QString& title) {
    const QString file = QFileDialog::getOpenFileName(this, title, target->text());
    if (!file.isEmpty()) {
        target->setText(file);
    }
}

void SettingsPage::load(const ConsoleSettings& s) {
    address_->setText(s.agentAddress);
    token_->setText(s.token);
    storeToken_->setChecked(s.storeToken);
    caCert_->setText(s.caCert);
    clientCert_->setText(s.clientCert);
    clientKey_->setText(s.clientKey);
    portMin_->setValue(s.portMin);
    portMax_->setValue(s.portMax);
    restarts_->setValue(s.maxProxyRestarts);
    proxyTemplate_->setCurrentText(s.proxyTemplate);
    otlpReceive_->setChecked(s.otlpReceive);
    otlpListen_->setText(s.otlpListen);
    otlpListen_->setEnabled(s.otlpReceive);
    templates_ = s.templates;
    editing_.clear();
    templateList_->clear();
    for (auto it = templates_.cbegin(); it != templates_.cend(); ++it) {
        templateList_->addItem(it.key());
    }
    onTemplateSelected();
}

void SettingsPage::storeTemplateEdit() {
    if (!editing_.isEmpty() && templates_.contains(editing_)) {
        templates_[editing_] = templateEditor_->toPlainText();
    }
}

void SettingsPage::onTemplateSelected() {
    QListWidgetItem* item = templateList_->currentItem();
    editing_ = item ? item->text() : QString();
    templateEditor_->setEnabled(item != nullptr);
    templateEditor_->setPlainText(item ? templates_.value(editing_) : QString());
    validateTemplate();
}

void SettingsPage::validateTemplate() {
    if (editing_.isEmpty()) {
        templateError_->clear();
        return;
    }
    const QString problem = templateProblem(templateEditor_->toPlainText());
    templateError_->setText(problem.isEmpty() ? tr("Template %1 is valid.").arg(editing_)
                                              : tr("Template %1: %2").arg(editing_, problem));
}

ConsoleSettings SettingsPage::current(QString* error) const {
    ConsoleSettings s;
    s.agentAddress = address_->text().trimmed();
    s.token = token_->text();
    s.storeToken = storeToken_->isChecked();
    s.caCert = caCert_->text().trimmed();
    s.clientCert = clientCert_->text().trimmed();
    s.clientKey = clientKey_->text().trimmed();
    s.portMin = portMin_->value();
    s.portMax = portMax_->value();
    s.maxProxyRestarts = restarts_->value();
    s.proxyTemplate = proxyTemplate_->currentText().trimmed();
    s.otlpReceive = otlpReceive_->isChecked();
    s.otlpListen = otlpListen_->text().trimmed();
    s.templates = templates_;
    if (!editing_.isEmpty() && s.templates.contains(editing_)) {
        s.templates[editing_] = templateEditor_->toPlainText();
    }
    if (error) {
        error->clear();
        for (auto it = s.templates.cbegin(); it != s.templates.cend(); ++it) {
            const QString problem = templateProblem(it.value());
            if (!problem.isEmpty()) {
                *error = tr("Template %1: %2").arg(it.key(), problem);
                return s;
            }
        }
        MeshConfig probe;
        if (auto st = probe.applyJson(s.toConfigJson()); !st) {
            *error = QString::fromStdString(st.error().message);
        }
    }
    return s;
}

bool SettingsPage::save() {
    QString error;
    const ConsoleSettings s = current(&error);
    if (!error.isEmpty()) {
        hint_->showError(tr("Not saved: %1.").arg(error));
        return false;
    }
    QSettings settings;
    s.save(settings);
    settings.sync();
    emit otlpReceiverChanged(s.otlpReceive, s.otlpListen);
    hint_->showSuccess(s.storeToken || s.token.isEmpty()
                           ? tr("Saved. They apply when you reconnect.")
                           : tr("Saved. The token is kept for this run only (not remembered)."));
    return true;
}

}  // namespace meshx::ui
