#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "telemetry/event.h"
#include "telemetry/filter/event_filter.h"

namespace meshx::telemetry {

// What one tap subscriber asked for: the console's display filter (event_filter.h, applied to
// every event as an RpcRecord, so `source`, `event`, `fun`, `result`... work on any source) and a
// list of sources. A source entry matches the event's source exactly or as a dotted prefix:
// `rpc` selects `rpc.client` and `rpc.server`. Empty filter and empty list select everything.
// Immutable after parse; accepts() is const and thread-safe.
class TapSelection {
  public:
    // `filterText` in the console filter language, `sourcesText` comma-separated. Errors:
    // ParseError "column N: ..." for the filter (detail gets position and message).
    static Result<TapSelection> parse(std::string_view filterText, std::string_view sourcesText,
                                      FilterError* detail = nullptr);

    bool accepts(const Event& event) const;
    const std::string& filterText() const { return filter_.text(); }
    const std::vector<std::string>& sources() const { return sources_; }

  private:
    EventFilter filter_;
    std::vector<std::string> sources_;
};

}  // namespace meshx::telemetry
