#include "common/error.h"

namespace meshx {

std::string_view codeName(Code code) {
    switch (code) {
        case Code::InvalidArgument:
            return "invalid_argument";
        case Code::ParseError:
            return "parse_error";
        case Code::TemplateError:
            return "template_error";
        case Code::MissingKey:
            return "missing_key";
        case Code::AgentUnreachable:
            return "agent_unreachable";
        case Code::PermissionDenied:
            return "permission_denied";
        case Code::NotFound:
            return "not_found";
        case Code::HttpError:
            return "http_error";
        case Code::AlreadyStarted:
            return "already_started";
        case Code::ServiceNotOwned:
            return "service_not_owned";
        case Code::InvalidState:
            return "invalid_state";
        case Code::ServiceAliveTimeout:
            return "service_alive_timeout";
        case Code::PortRangeExhausted:
            return "port_range_exhausted";
        case Code::ProxyFailed:
            return "proxy_failed";
        case Code::Timeout:
            return "timeout";
        case Code::Closed:
            return "closed";
        case Code::ProtocolError:
            return "protocol_error";
        case Code::IoError:
            return "io_error";
        case Code::Internal:
            return "internal";
        case Code::RemoteError:
            return "remote_error";
    }
    return "internal";
}

std::string Error::toString() const {
    std::string out{codeName(code)};
    if (!message.empty()) {
        out += ": ";
        out += message;
    }
    return out;
}

}  // namespace meshx
