#include "common/unix_signals.h"

#include <QSocketNotifier>

#include <fcntl.h>
#include <unistd.h>
#include <atomic>
#include <csignal>

namespace meshx {

namespace {

int gPipe[2] = {-1, -1};
std::atomic<int> gPending{0};

void onSignal(int signal) {
    gPending.store(signal);
    const char byte = static_cast<char>(signal);
    [[maybe_unused]] auto n = ::write(gPipe[1], &byte, 1);
}

}  // namespace

UnixSignals::UnixSignals(std::initializer_list<int> signalNumbers, QObject* parent)
    : QObject(parent) {
    if (gPipe[0] < 0 && ::pipe2(gPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        return;
    }
    for (int s : signalNumbers) {
        struct sigaction sa = {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and sees pending()
        ::sigaction(s, &sa, nullptr);
    }
    notifier_ = new QSocketNotifier(gPipe[0], QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &UnixSignals::onReadable);
}

UnixSignals::~UnixSignals() = default;

int UnixSignals::pending() {
    return gPending.load();
}

void UnixSignals::onReadable() {
    char byte = 0;
    while (::read(gPipe[0], &byte, 1) == 1) {
        emit caught(static_cast<unsigned char>(byte));
    }
}

}  // namespace meshx
