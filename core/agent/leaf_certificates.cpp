#include "agent/leaf_certificates.h"

#include <random>

#include "agent/index_keys.h"

namespace meshx::agent {

LeafCertificates::LeafCertificates(ConnectCa* ca, std::string datacenter, std::chrono::seconds ttl,
                                   IndexTable& indexes, const Clock& clock, QObject* parent)
    : QObject(parent),
      ca_(ca),
      datacenter_(std::move(datacenter)),
      ttl_(ttl),
      indexes_(indexes),
      clock_(clock) {
    timer_.setSingleShot(true);
    connect(&timer_, &QTimer::timeout, this, &LeafCertificates::renewDue);
}

Result<const LeafCertificates::Cached*> LeafCertificates::current(const std::string& service) {
    if (ca_ == nullptr) {
        return makeError(Code::Internal, "Connect must be enabled in order to use this endpoint");
    }
    auto it = leaves_.find(service);
    if (it == leaves_.end()) {
        return issue(service, nullptr);
    }
    const auto now = clock_.systemNow();
    Cached& c = it->second;
    if (now >= c.renewAt || now >= c.cert.validBefore || c.cert.rootId != ca_->rootId()) {
        return issue(service, &c);
    }
    return &c;
}

uint64_t LeafCertificates::index(const std::string& service) const {
    auto it = leaves_.find(service);
    return it == leaves_.end() ? 0 : it->second.modifyIndex;
}

Result<const LeafCertificates::Cached*> LeafCertificates::issue(const std::string& service,
                                                                Cached* previous) {
    auto cert = ca_->issueLeaf(service, datacenter_, ttl_);
    if (!cert) {
        return cert.error();
    }
    IndexTable::Change change(indexes_);
    Cached c;
    c.cert = std::move(*cert);
    c.createIndex = c.modifyIndex = change.index();
    (void)previous;
    // Renew at a random moment between 60% and 90% of the TTL from now. (The certificate's
    // own validity starts a minute early; counting from it would put the renewal of a short
    // test TTL in the past and re-issue in a loop.)
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> share(0.6, 0.9);
    const auto ttl = std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::duration<double>(static_cast<double>(ttl_.count()) * share(rng)));
    c.renewAt = clock_.systemNow() +
                std::max<std::chrono::system_clock::duration>(ttl, std::chrono::milliseconds(500));
    change.touch(index_keys::leaf(service));
    leaves_[service] = std::move(c);
    change.commit();
    rearm();
    return &leaves_[service];
}

void LeafCertificates::renewDue() {
    const auto now = clock_.systemNow();
    std::vector<std::string> due;
    for (const auto& [service, c] : leaves_) {
        if (now >= c.renewAt || (ca_ != nullptr && c.cert.rootId != ca_->rootId())) {
            due.push_back(service);
        }
    }
    for (const auto& service : due) {
        (void)issue(service, &leaves_[service]);
    }
    rearm();
}

void LeafCertificates::rearm() {
    if (leaves_.empty()) {
        timer_.stop();
        return;
    }
    auto next = leaves_.begin()->second.renewAt;
    for (const auto& [service, c] : leaves_) {
        next = std::min(next, c.renewAt);
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(next - clock_.systemNow()).count();
    // QTimer takes an int: far renewals are re-checked daily.
    timer_.start(static_cast<int>(std::clamp<long long>(ms, 0, 24LL * 3600 * 1000)));
}

}  // namespace meshx::agent
