#pragma once

// A minimal HTTP/1.1 client over a raw socket, for what libraries hide: keep-alive,
// pipelining, 100-continue, chunked bodies, oversized requests, connection close.

#include <QAbstractSocket>
#include <QDeadlineTimer>
#include <QLocalSocket>
#include <QTcpSocket>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

struct RawResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool complete = false;
};

// Reads one response from `buffer` (consuming it) when it is complete.
inline bool takeResponse(std::string& buffer, RawResponse& out) {
    const size_t end = buffer.find("\r\n\r\n");
    if (end == std::string::npos) {
        return false;
    }
    RawResponse r;
    const std::string head = buffer.substr(0, end);
    r.status = std::stoi(head.substr(9, 3));
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
        const size_t next = head.find("\r\n", pos + 2);
        const std::string line =
            head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        const size_t colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            for (char& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            r.headers[name] = line.substr(colon + 2);
        }
        pos = next;
    }
    size_t length = 0;
    if (r.headers.count("content-length") != 0) {
        length = std::stoul(r.headers["content-length"]);
    }
    if (r.status == 100) {
        length = 0;
    }
    if (buffer.size() < end + 4 + length) {
        return false;
    }
    r.body = buffer.substr(end + 4, length);
    r.complete = true;
    buffer.erase(0, end + 4 + length);
    out = r;
    return true;
}

inline bool isConnected(const QAbstractSocket& s) {
    return s.state() == QAbstractSocket::ConnectedState;
}
inline bool isConnected(const QLocalSocket& s) {
    return s.state() == QLocalSocket::ConnectedState;
}

// Reads responses until `count` were read or the deadline passes; always returns `count`.
template <typename Socket>
std::vector<RawResponse> readResponses(Socket& socket, std::string& buffer, size_t count,
                                       int timeoutMs = 10000) {
    std::vector<RawResponse> out;
    QDeadlineTimer deadline(timeoutMs);
    while (out.size() < count && !deadline.hasExpired()) {
        RawResponse r;
        while (out.size() < count && takeResponse(buffer, r)) {
            out.push_back(r);
        }
        if (out.size() >= count) {
            break;
        }
        if (!socket.waitForReadyRead(
                static_cast<int>(std::max<qint64>(1, deadline.remainingTime())))) {
            if (socket.bytesAvailable() == 0 && !isConnected(socket)) {
                break;
            }
        }
        buffer += socket.readAll().toStdString();
    }
    // Missing answers come back as status 0, so a failing test compares instead of crashing.
    out.resize(std::max(out.size(), count));
    return out;
}
