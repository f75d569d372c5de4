#include "agent/http_connection.h"

#include <QIODevice>

namespace meshx::agent {

HttpConnection::HttpConnection(QIODevice* device, std::string peer,
                               HttpRequestParser::Limits limits, Handler handler,
                               std::function<void()> closer, QObject* parent)
    : QObject(parent),
      device_(device),
      peer_(std::move(peer)),
      parser_(std::move(limits)),
      handler_(std::move(handler)),
      closer_(std::move(closer)) {
    connect(device, &QIODevice::readyRead, this, &HttpConnection::onReadyRead);
    // Bytes may already be waiting (they arrived before we connected).
    if (device->bytesAvailable() > 0) {
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
    }
}

HttpConnection::~HttpConnection() {
    if (inFlight_) {
        inFlight_->abort();
    }
}

void HttpConnection::onDisconnected() {
    closing_ = true;
    if (inFlight_) {
        auto ex = std::move(inFlight_);
        ex->abort();
    }
}

void HttpConnection::shutdown() {
    onDisconnected();
    if (device_ && closer_) {
        closer_();
    }
}

void HttpConnection::onReadyRead() {
    if (!device_ || closing_) {
        return;
    }
    // Parse as we read, so an oversized body being dropped never piles up in the parser.
    char buf[16384];
    while (device_ && !closing_) {
        const qint64 n = device_->read(buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        parser_.append(buf, static_cast<size_t>(n));
        pump();
    }
}

void HttpConnection::pump() {
    if (pumping_) {
        return;
    }
    pumping_ = true;
    while (!closing_ && !inFlight_ && device_) {
        auto outcome = parser_.next();
        using Kind = HttpRequestParser::Outcome::Kind;
        if (outcome.kind == Kind::NeedMore) {
            break;
        }
        if (outcome.kind == Kind::ExpectContinue) {
            device_->write("HTTP/1.1 100 Continue\r\n\r\n");
            continue;
        }
        if (outcome.kind == Kind::Fail) {
            write(outcome.failure, false, false);
            break;
        }
        outcome.request.peer = peer_;
        const bool keepAlive = outcome.request.keepAlive;
        const bool head = outcome.request.method == "HEAD";
        QPointer<HttpConnection> self(this);
        inFlight_ = std::make_shared<HttpExchange>(std::move(outcome.request),
                                                   [self, keepAlive, head](HttpResponse response) {
                                                       if (!self) {
                                                           return;
                                                       }
                                                       self->inFlight_.reset();
                                                       self->write(response, keepAlive, head);
                                                       if (!self->pumping_) {
                                                           // An answer that came later (a parked
                                                           // query): serve what is queued, from the
                                                           // event loop rather than from inside
                                                           // whoever answered.
                                                           QMetaObject::invokeMethod(
                                                               self,
                                                               [self] {
                                                                   if (self) {
                                                                       self->pump();
                                                                   }
                                                               },
                                                               Qt::QueuedConnection);
                                                       }
                                                   });
        auto ex = inFlight_;
        handler_(ex);
    }
    pumping_ = false;
}

void HttpConnection::write(const HttpResponse& response, bool keepAlive, bool head) {
    if (!device_ || closing_) {
        return;
    }
    const bool keep = keepAlive && !response.close;
    const std::string bytes = response.serialize(head, keep);
    device_->write(bytes.data(), static_cast<qint64>(bytes.size()));
    if (!keep) {
        closing_ = true;
        if (closer_) {
            closer_();  // flushes what was written, then closes
        }
    }
}

}  // namespace meshx::agent
