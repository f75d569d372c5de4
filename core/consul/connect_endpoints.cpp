#include "consul/connect_endpoints.h"

#include <nlohmann/json.hpp>

#include "consul/decode.h"
#include "consul/endpoint_support.h"
#include "consul/url_encoding.h"

namespace meshx::consul::endpoints {

using detail::ignoreBody;
using detail::indexedJsonDecoder;
using detail::jsonDecoder;
using detail::withBlocking;

namespace {

Request exact(Request request, const std::string& source, const std::string& destination) {
    request.param("source", source);
    request.param("destination", destination);
    return request;
}

}  // namespace

Call<Indexed<CaRoots>> caRoots(const Blocking& blocking) {
    auto request = Request::get("/agent/connect/ca/roots");
    return {withBlocking(request, blocking), indexedJsonDecoder<CaRoots>(decodeCaRoots)};
}

Call<Indexed<LeafCert>> caLeaf(const std::string& service, const Blocking& blocking) {
    auto request = Request::get("/agent/connect/ca/leaf/" + encodePathSegment(service));
    return {withBlocking(request, blocking), indexedJsonDecoder<LeafCert>(decodeLeafCert)};
}

Call<AuthorizeResult> authorize(const std::string& target, const std::string& clientCertUri,
                                const std::string& clientCertSerial) {
    auto request = Request::post("/agent/connect/authorize");
    nlohmann::json body = {{"Target", target}, {"ClientCertURI", clientCertUri}};
    if (!clientCertSerial.empty()) {
        body["ClientCertSerial"] = clientCertSerial;
    }
    request.json(body);
    return {std::move(request), jsonDecoder(decodeAuthorize)};
}

Call<Indexed<std::vector<Intention>>> intentions(const std::string& filter,
                                                 const Blocking& blocking) {
    auto request = Request::get("/connect/intentions");
    if (!filter.empty()) {
        request.param("filter", filter);
    }
    return {withBlocking(request, blocking),
            indexedJsonDecoder<std::vector<Intention>>(decodeIntentions)};
}

Call<Intention> intentionExact(const std::string& source, const std::string& destination) {
    return {exact(Request::get("/connect/intentions/exact"), source, destination),
            jsonDecoder(decodeIntention)};
}

Call<void> upsertIntention(const std::string& source, const std::string& destination,
                           const nlohmann::json& body) {
    auto request = exact(Request::put("/connect/intentions/exact"), source, destination);
    request.json(body);
    return {std::move(request), ignoreBody};
}

Call<void> deleteIntention(const std::string& source, const std::string& destination) {
    return {exact(Request::del("/connect/intentions/exact"), source, destination), ignoreBody};
}

Call<Indexed<std::map<std::string, std::vector<Intention>>>> intentionMatch(
    MatchBy by, const std::string& name, const Blocking& blocking) {
    auto request = Request::get("/connect/intentions/match");
    request.param("by", by == MatchBy::Source ? "source" : "destination");
    request.param("name", name);
    using Value = std::map<std::string, std::vector<Intention>>;
    return {withBlocking(request, blocking), indexedJsonDecoder<Value>(decodeIntentionMatch)};
}

}  // namespace meshx::consul::endpoints
