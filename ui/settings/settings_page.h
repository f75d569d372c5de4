#pragma once

#include <QWidget>

#include "ui/shell/console_settings.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;

namespace meshx::ui {

class HintLine;

// The console's settings: agent address, token (masked; kept on disk only when asked), TLS
// files, port range, proxy restart limit, the default proxy command and named templates (each
// checked as it is typed). Save keeps them with QSettings; Save and reconnect also asks the
// window to open a new session with them (services this console started are stopped first).
//
// Thread: GUI thread.
class SettingsPage : public QWidget {
    Q_OBJECT

  public:
    // `effective` describes the running session (MeshConfig::describe(): never the token).
    explicit SettingsPage(const QString& effective, QWidget* parent = nullptr);

    // The fields as settings (templates included); `error` says what is invalid, if anything.
    ConsoleSettings current(QString* error = nullptr) const;
    void load(const ConsoleSettings& settings);
    // Validates, then writes to QSettings. False (and the hint says why) when invalid.
    bool save();
    void setEffective(const QString& effective);
    // What the OTLP receiver is doing now (OtlpReceiverControl::status()), under its toggle.
    void setOtlpStatus(const QString& status);

    HintLine* hint() const { return hint_; }

  signals:
    void reconnectRequested(const ConsoleSettings& settings);
    // After a successful save: the receiver toggle applies at once (no reconnect needed).
    void otlpReceiverChanged(bool enabled, const QString& listen);

  private:
    void pickFile(QLineEdit* target, const QString& title);
    void onTemplateSelected();
    void storeTemplateEdit();
    void validateTemplate();

    QLineEdit* address_;
    QLineEdit* token_;
    QCheckBox* storeToken_;
    QLineEdit* caCert_;
    QLineEdit* clientCert_;
    QLineEdit* clientKey_;
    QSpinBox* portMin_;
    QSpinBox* portMax_;
    QSpinBox* restarts_;
    QComboBox* proxyTemplate_;
    QCheckBox* otlpReceive_;
    QLineEdit* otlpListen_;
    QLabel* otlpStatus_;
    QListWidget* templateList_;
    QPlainTextEdit* templateEditor_;
    QLabel* templateError_;
    QLabel* effective_;
    HintLine* hint_;
    QMap<QString, QString> templates_;
    QString editing_;  // name of the template in the editor
};

}  // namespace meshx::ui
