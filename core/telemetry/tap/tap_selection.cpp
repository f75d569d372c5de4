#include "telemetry/tap/tap_selection.h"

#include "telemetry/rpc_record.h"

namespace meshx::telemetry {

Result<TapSelection> TapSelection::parse(std::string_view filterText, std::string_view sourcesText,
                                         FilterError* detail) {
    auto filter = EventFilter::parse(filterText, detail);
    if (!filter) {
        return filter.error();
    }
    TapSelection s;
    s.filter_ = std::move(*filter);
    while (!sourcesText.empty()) {
        const size_t comma = sourcesText.find(',');
        std::string_view item = sourcesText.substr(0, comma);
        sourcesText =
            comma == std::string_view::npos ? std::string_view{} : sourcesText.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            s.sources_.emplace_back(item);
        }
    }
    return s;
}

bool TapSelection::accepts(const Event& event) const {
    if (!sources_.empty()) {
        bool any = false;
        for (const auto& s : sources_) {
            if (event.source == s ||
                (event.source.size() > s.size() && event.source.compare(0, s.size(), s) == 0 &&
                 event.source[s.size()] == '.')) {
                any = true;
                break;
            }
        }
        if (!any) {
            return false;
        }
    }
    return filter_.matchesAll() || filter_.matches(RpcRecord::fromEvent(event));
}

}  // namespace meshx::telemetry
