#include "consul/catalog_endpoints.h"

#include "consul/decode.h"
#include "consul/endpoint_support.h"
#include "consul/url_encoding.h"

namespace meshx::consul::endpoints {

using detail::indexedJsonDecoder;
using detail::withBlocking;

namespace {

Request healthRequest(const char* prefix, const std::string& name, const HealthQuery& query,
                      const Blocking& blocking) {
    auto request = Request::get(std::string(prefix) + encodePathSegment(name));
    if (query.passing) {
        request.param("passing", "1");
    }
    if (query.stale) {
        request.param("stale");
    }
    if (!query.filter.empty()) {
        request.param("filter", query.filter);
    }
    for (const auto& tag : query.tags) {
        request.param("tag", tag);
    }
    if (!query.datacenter.empty()) {
        request.param("dc", query.datacenter);
    }
    return withBlocking(request, blocking);
}

}  // namespace

Call<Indexed<std::map<std::string, std::vector<std::string>>>> catalogServices(
    const std::string& filter, const Blocking& blocking, const std::string& dc) {
    auto request = Request::get("/catalog/services");
    if (!filter.empty()) {
        request.param("filter", filter);
    }
    if (!dc.empty()) {
        request.param("dc", dc);
    }
    using Value = std::map<std::string, std::vector<std::string>>;
    return {withBlocking(request, blocking), indexedJsonDecoder<Value>(decodeCatalogServices)};
}

Call<Indexed<std::vector<CatalogServiceNode>>> catalogService(const std::string& name,
                                                              const std::string& filter,
                                                              const Blocking& blocking) {
    auto request = Request::get("/catalog/service/" + encodePathSegment(name));
    if (!filter.empty()) {
        request.param("filter", filter);
    }
    return {withBlocking(request, blocking),
            indexedJsonDecoder<std::vector<CatalogServiceNode>>(decodeCatalogService)};
}

Call<Indexed<std::vector<ServiceEntry>>> healthService(const std::string& name,
                                                       const HealthQuery& query,
                                                       const Blocking& blocking) {
    return {healthRequest("/health/service/", name, query, blocking),
            indexedJsonDecoder<std::vector<ServiceEntry>>(decodeServiceEntries)};
}

Call<Indexed<std::vector<HealthCheck>>> healthChecks(const std::string& name,
                                                     const std::string& filter,
                                                     const Blocking& blocking) {
    auto request = Request::get("/health/checks/" + encodePathSegment(name));
    if (!filter.empty()) {
        request.param("filter", filter);
    }
    return {withBlocking(request, blocking),
            indexedJsonDecoder<std::vector<HealthCheck>>(decodeHealthChecks)};
}

Call<Indexed<std::vector<ServiceEntry>>> healthConnect(const std::string& name,
                                                       const HealthQuery& query,
                                                       const Blocking& blocking) {
    return {healthRequest("/health/connect/", name, query, blocking),
            indexedJsonDecoder<std::vector<ServiceEntry>>(decodeServiceEntries)};
}

Call<std::vector<std::string>> catalogDatacenters() {
    return {Request::get("/catalog/datacenters"), detail::jsonDecoder(decodeStrings)};
}

Call<Indexed<std::vector<Node>>> catalogNodes(const std::string& dc, const Blocking& blocking) {
    auto request = Request::get("/catalog/nodes");
    if (!dc.empty()) {
        request.param("dc", dc);
    }
    return {withBlocking(request, blocking), indexedJsonDecoder<std::vector<Node>>(decodeNodes)};
}

Call<Indexed<std::vector<HealthCheck>>> healthState(const std::string& state, const std::string& dc,
                                                    const Blocking& blocking) {
    auto request = Request::get("/health/state/" + encodePathSegment(state));
    if (!dc.empty()) {
        request.param("dc", dc);
    }
    return {withBlocking(request, blocking),
            indexedJsonDecoder<std::vector<HealthCheck>>(decodeHealthChecks)};
}

}  // namespace meshx::consul::endpoints
