#include "ui/shell/otlp_receiver_control.h"

#include "net/address.h"
#include "telemetry/otlp/otlp_receiver.h"

namespace meshx::ui {

OtlpReceiverControl::OtlpReceiverControl(QObject* parent) : QObject(parent), status_(tr("Off")) {}

OtlpReceiverControl::~OtlpReceiverControl() = default;

bool OtlpReceiverControl::apply(bool enabled, const QString& listenIn) {
    const QString listen =
        listenIn.trimmed().isEmpty() ? QString::fromLatin1(kDefaultListen) : listenIn.trimmed();
    if (!enabled) {
        receiver_.reset();
        listen_.clear();
        setStatus(tr("Off"));
        return true;
    }
    if (receiver_ && listen == listen_)
        return true;
    receiver_.reset();
    auto address = net::Address::parse(listen.toStdString());
    if (!address) {
        setStatus(tr("Not receiving: %1").arg(QString::fromStdString(address.error().message)));
        return false;
    }
    telemetry::otlp::OtlpReceiver::Options options;
    options.listen = *address;
    auto receiver = std::make_unique<telemetry::otlp::OtlpReceiver>(options);
    auto bound = receiver->start();
    if (!bound) {
        setStatus(tr("Not receiving: %1").arg(QString::fromStdString(bound.error().message)));
        return false;
    }
    receiver_ = std::move(receiver);
    listen_ = listen;
    setStatus(tr("Receiving OTLP/HTTP JSON spans at %1").arg(tracesUrl()));
    return true;
}

bool OtlpReceiverControl::running() const {
    return receiver_ != nullptr;
}

QString OtlpReceiverControl::tracesUrl() const {
    return receiver_ ? QString::fromStdString(receiver_->tracesUrl()) : QString();
}

void OtlpReceiverControl::setStatus(const QString& status) {
    if (status == status_)
        return;
    status_ = status;
    emit statusChanged(status_);
}

}  // namespace meshx::ui
