#pragma once

#include <QObject>
#include <QString>
#include <memory>

namespace meshx::telemetry::otlp {
class OtlpReceiver;
}

namespace meshx::ui {

// The console's OTLP/HTTP receiver (core/telemetry/otlp/otlp_receiver.h), switched on and off by
// the settings toggle or --otlp-listen. Received spans go to the process's telemetry bus, where
// the telemetry page shows them beside the mesh's events. Off by default. GUI thread.
class OtlpReceiverControl : public QObject {
    Q_OBJECT
  public:
    static constexpr const char* kDefaultListen = "127.0.0.1:4318";

    explicit OtlpReceiverControl(QObject* parent = nullptr);
    ~OtlpReceiverControl() override;

    // Starts the receiver on `listen` (empty: kDefaultListen), restarting it when the address
    // changed, or stops it when `enabled` is false. Returns false with status() saying why when
    // it cannot listen. GUI thread.
    bool apply(bool enabled, const QString& listen);
    bool running() const;
    // One line for the settings page: "Receiving OTLP/HTTP spans at http://.../v1/traces",
    // "Off", or the error. GUI thread.
    QString status() const { return status_; }
    // The bound traces URL while running, else empty. GUI thread.
    QString tracesUrl() const;

  signals:
    void statusChanged(const QString& status);

  private:
    void setStatus(const QString& status);

    std::unique_ptr<telemetry::otlp::OtlpReceiver> receiver_;
    QString listen_;
    QString status_;
};

}  // namespace meshx::ui
