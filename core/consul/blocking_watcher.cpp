#include "consul/blocking_watcher.h"

namespace meshx::consul {

BlockingWatcher::BlockingWatcher(ConsulApi& api, Request request, Options options, QObject* context,
                                 ChangeHandler onChange, ErrorHandler onError)
    : BlockingWatcher(
          SinkTag{}, api, std::move(request), options, context,
          [onChange = std::move(onChange)](const Response& response, ContextRelay& relay) {
              relay.post([onChange, response] { onChange(response); });
              return Status{};
          },
          std::move(onError)) {}

BlockingWatcher::BlockingWatcher(SinkTag, ConsulApi& api, Request request, Options options,
                                 QObject* context, Sink sink, ErrorHandler onError)
    : relay_(std::make_unique<ContextRelay>(context, ContextRelay::OnDestroy::Drop)) {
    ContextRelay* relay = relay_.get();
    BlockingQueryLoop::ErrorHandler reportError;
    if (onError) {
        reportError = [relay, onError = std::move(onError)](const Error& error,
                                                            std::chrono::milliseconds retryIn) {
            relay->post([onError, error, retryIn] { onError(error, retryIn); });
        };
    }
    loop_ = std::make_unique<BlockingQueryLoop>(
        api, std::move(request), options,
        [relay, sink = std::move(sink)](const Response& response) {
            return sink(response, *relay);
        },
        std::move(reportError));
}

BlockingWatcher::~BlockingWatcher() {
    loop_->stop();
}

}  // namespace meshx::consul
