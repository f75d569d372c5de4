#include "proxy/certificate_watcher.h"

#include "consul/blocking_query_loop.h"
#include "consul/connect_endpoints.h"
#include "proxy/shared_roots.h"

namespace meshx::proxy {

CertificateWatcher::CertificateWatcher(consul::ConsulApi& api, Logger& log, std::string service,
                                       Handler onTls, std::shared_ptr<SharedRoots> sharedRoots)
    : log_(log),
      service_(std::move(service)),
      onTls_(std::move(onTls)),
      sharedRoots_(std::move(sharedRoots)) {
    consul::BlockingQueryLoop::Options options;
    options.mode = consul::BlockingQueryLoop::Mode::Index;
    auto onError = [this](const char* what) {
        return [this, what](const Error& error, std::chrono::milliseconds retryIn) {
            std::string retry = std::to_string(retryIn.count()) + "ms";
            log_.error("proxy", what, {{"error", error.message}, {"retry_in", retry}});
        };
    };
    if (!sharedRoots_) {
        rootsWatcher_ = consul::BlockingQueryLoop::typed<consul::Indexed<consul::CaRoots>>(
            api, consul::endpoints::caRoots(), options,
            [this](const consul::Indexed<consul::CaRoots>& roots, uint64_t) {
                onRoots(roots.value);
            },
            onError("failed to watch the CA roots"));
    }
    leafWatcher_ = consul::BlockingQueryLoop::typed<consul::Indexed<consul::LeafCert>>(
        api, consul::endpoints::caLeaf(service_), options,
        [this](const consul::Indexed<consul::LeafCert>& leaf, uint64_t) {
            std::lock_guard lock(mutex_);
            leaf_ = leaf.value;
            rebuild();
        },
        onError("failed to watch the leaf certificate"));
}

CertificateWatcher::~CertificateWatcher() {
    if (rootsSubscription_ != 0) {
        sharedRoots_->unsubscribe(rootsSubscription_);  // no call-back after this returns
    }
    if (rootsWatcher_) {
        rootsWatcher_->stop();
    }
    leafWatcher_->stop();
}

void CertificateWatcher::start() {
    if (sharedRoots_) {
        if (rootsSubscription_ == 0) {
            rootsSubscription_ =
                sharedRoots_->subscribe([this](const consul::CaRoots& roots) { onRoots(roots); });
        }
    } else {
        rootsWatcher_->start();
    }
    leafWatcher_->start();
}

void CertificateWatcher::onRoots(const consul::CaRoots& roots) {
    std::lock_guard lock(mutex_);
    roots_ = roots;
    rebuild();
}

void CertificateWatcher::rebuild() {
    if (!roots_ || !leaf_) {
        return;
    }
    if (roots_->trustDomain.empty()) {
        // Consul's resolver refuses to work without it, with these words.
        log_.error("proxy", "failed to load TLS certificates",
                   {{"error", "cluster trust domain empty, connect not bootstrapped"}});
        return;
    }
    TlsMaterial material;
    material.certChainPem = leaf_->certPem;
    material.privateKeyPem = leaf_->privateKeyPem;
    material.trustDomain = roots_->trustDomain;
    for (const auto& root : roots_->roots) {
        material.rootsPem += root.rootCertPem;
        if (!material.rootsPem.empty() && material.rootsPem.back() != '\n') {
            material.rootsPem += '\n';
        }
        for (const auto& intermediate : root.intermediateCertsPem) {
            material.rootsPem += intermediate + "\n";
        }
    }
    auto tls = TlsContext::create(material);
    if (!tls) {
        log_.error("proxy", "failed to load TLS certificates", {{"error", tls.error().message}});
        return;
    }
    onTls_(*tls);
}

}  // namespace meshx::proxy
