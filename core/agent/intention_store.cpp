#include "agent/intention_store.h"

#include <QUuid>

#include <algorithm>

#include "agent/go_json_decoder.h"
#include "agent/index_keys.h"
#include "agent/registration_validator.h"
#include "agent/response_shapes.h"

namespace meshx::agent {

namespace {

bool partialWildcard(const std::string& name) {
    return name.find('*') != std::string::npos && name != "*";
}

}  // namespace

IntentionRule Intention::rule() const {
    IntentionRule r;
    r.id = id;
    r.sourceName = sourceName;
    r.destinationName = destinationName;
    r.action = action;
    r.permissionCount = isL7() ? permissions.size() : 0;
    r.precedence = precedence;
    return r;
}

std::string Intention::summary() const {
    return rule().summary();
}

int intentionPrecedence(const std::string& source, const std::string& destination) {
    return IntentionMatcher::precedence(source, destination);
}

IntentionInput decodeIntention(const nlohmann::ordered_json& body) {
    GoObjectReader r(body, "structs.Intention", "Intention", "",
                     {"ID",
                      "Description",
                      "SourcePeer",
                      "SourceNS",
                      "SourceName",
                      "DestinationNS",
                      "DestinationName",
                      "SourcePartition",
                      "DestinationPartition",
                      "SourceType",
                      "Action",
                      "Permissions",
                      "Precedence",
                      "Meta",
                      "LegacyMeta",
                      "DefaultAddr",
                      "DefaultPort",
                      "CreatedAt",
                      "UpdatedAt",
                      "Hash",
                      "CreateIndex",
                      "ModifyIndex"});
    IntentionInput in;
    in.description = r.str("Description").value_or("");
    in.sourceName = r.str("SourceName").value_or("");
    in.destinationName = r.str("DestinationName").value_or("");
    in.sourceType = r.str("SourceType").value_or("");
    in.action = r.str("Action").value_or("");
    if (const IJson* p = r.array("Permissions", "[]*structs.IntentionPermission")) {
        in.permissions = nlohmann::json(*p);
    }
    in.meta = r.stringMap("Meta").value_or(std::map<std::string, std::string>{});
    // Type-check the namespace fields so junk is rejected like Go would.
    (void)r.str("SourceNS");
    (void)r.str("DestinationNS");
    return in;
}

Status IntentionStore::validate(const IntentionInput& in) const {
    std::vector<std::string> errors;
    if (in.sourceName.empty()) {
        errors.push_back("SourceName must be set");
    } else if (partialWildcard(in.sourceName)) {
        errors.push_back("SourceName: wildcard character '*' cannot be used with partial values");
    }
    if (in.destinationName.empty()) {
        errors.push_back("DestinationName must be set");
    } else if (partialWildcard(in.destinationName)) {
        errors.push_back(
            "DestinationName: wildcard character '*' cannot be used with partial values");
    }
    const bool l7 = in.permissions.is_array() && !in.permissions.empty();
    if (l7 && !in.action.empty()) {
        errors.push_back("Action must be empty when Permissions are present");
    }
    if (!l7 && in.action != "allow" && in.action != "deny") {
        errors.push_back("Action must be set to 'allow' or 'deny'");
    }
    if (!in.sourceType.empty() && in.sourceType != "consul") {
        errors.push_back("SourceType must be set to 'consul'");
    }
    if (in.meta.size() > 64) {
        errors.push_back("Meta must have no more than 64 keys");
    }
    if (!errors.empty()) {
        return makeError(Code::Internal, multiErrorText(errors));
    }
    return {};
}

void IntentionStore::stamp(Intention& ixn, IndexTable::Change& change, bool created) {
    if (created) {
        ixn.createIndex = change.index();
    }
    ixn.modifyIndex = change.index();
    ixn.precedence = intentionPrecedence(ixn.sourceName, ixn.destinationName);
    change.touch(index_keys::kIntentions);
}

Status IntentionStore::upsertExact(const std::string& source, const std::string& destination,
                                   IntentionInput input) {
    input.sourceName = source;
    input.destinationName = destination;
    if (auto s = validate(input); !s) {
        return s;
    }
    IndexTable::Change change(indexes_);
    auto key = std::make_pair(source, destination);
    auto it = byName_.find(key);
    const bool created = it == byName_.end();
    Intention ixn = created ? Intention{} : it->second;
    ixn.description = input.description;
    ixn.sourceName = source;
    ixn.destinationName = destination;
    ixn.sourceType = "consul";
    ixn.action = input.action;
    ixn.permissions = input.permissions;
    ixn.meta = input.meta;
    if (ixn.updatedAt) {
        ixn.updatedAt = clock_.systemNow();
    }
    stamp(ixn, change, created);
    byName_[key] = std::move(ixn);
    return {};
}

Result<std::string> IntentionStore::createLegacy(IntentionInput input) {
    if (auto s = validate(input); !s) {
        return s.error();
    }
    auto key = std::make_pair(input.sourceName, input.destinationName);
    if (byName_.count(key) != 0) {
        return makeError(Code::Internal,
                         "duplicate intention found: " + key.first + " => " + key.second);
    }
    IndexTable::Change change(indexes_);
    Intention ixn;
    ixn.id = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    ixn.description = input.description;
    ixn.sourceName = input.sourceName;
    ixn.destinationName = input.destinationName;
    ixn.action = input.action;
    ixn.permissions = input.permissions;
    ixn.meta = input.meta;
    ixn.createdAt = ixn.updatedAt = clock_.systemNow();
    stamp(ixn, change, true);
    const std::string id = ixn.id;
    byName_[key] = std::move(ixn);
    return id;
}

Status IntentionStore::updateById(const std::string& id, IntentionInput input) {
    const Intention* existing = byId(id);
    if (existing == nullptr) {
        return makeError(Code::NotFound, "Intention not found");
    }
    if (auto s = validate(input); !s) {
        return s;
    }
    Intention ixn = *existing;
    byName_.erase({existing->sourceName, existing->destinationName});
    IndexTable::Change change(indexes_);
    ixn.description = input.description;
    ixn.sourceName = input.sourceName;
    ixn.destinationName = input.destinationName;
    ixn.action = input.action;
    ixn.permissions = input.permissions;
    ixn.meta = input.meta;
    ixn.updatedAt = clock_.systemNow();
    stamp(ixn, change, false);
    byName_[{ixn.sourceName, ixn.destinationName}] = std::move(ixn);
    return {};
}

void IntentionStore::deleteExact(const std::string& source, const std::string& destination) {
    IndexTable::Change change(indexes_);
    if (byName_.erase({source, destination}) != 0) {
        change.touch(index_keys::kIntentions);
    }
}

bool IntentionStore::deleteById(const std::string& id) {
    const Intention* existing = byId(id);
    if (existing == nullptr) {
        return false;
    }
    IndexTable::Change change(indexes_);
    byName_.erase({existing->sourceName, existing->destinationName});
    change.touch(index_keys::kIntentions);
    return true;
}

const Intention* IntentionStore::exact(const std::string& source,
                                       const std::string& destination) const {
    auto it = byName_.find({source, destination});
    return it == byName_.end() ? nullptr : &it->second;
}

const Intention* IntentionStore::byId(const std::string& id) const {
    for (const auto& [key, ixn] : byName_) {
        if (!id.empty() && ixn.id == id) {
            return &ixn;
        }
    }
    return nullptr;
}

IntentionMatcher IntentionStore::matcher() const {
    std::vector<IntentionRule> rules;
    rules.reserve(byName_.size());
    for (const auto& [key, ixn] : byName_) {
        rules.push_back(ixn.rule());
    }
    // Stored intentions were validated on the way in, so this cannot fail.
    auto m = IntentionMatcher::create(std::move(rules));
    return m ? std::move(*m) : IntentionMatcher();
}

std::vector<const Intention*> IntentionStore::resolve(
    const std::vector<IntentionRule>& rules) const {
    std::vector<const Intention*> out;
    out.reserve(rules.size());
    for (const IntentionRule& r : rules) {
        if (const Intention* ixn = exact(r.sourceName, r.destinationName)) {
            out.push_back(ixn);
        }
    }
    return out;
}

std::vector<const Intention*> IntentionStore::list() const {
    return resolve(matcher().rules());
}

std::vector<const Intention*> IntentionStore::match(bool byDestination,
                                                    const std::string& name) const {
    const IntentionMatcher m = matcher();
    return resolve(byDestination ? m.matchDestination(name) : m.matchSource(name));
}

IntentionStore::Decision IntentionStore::authorize(const std::string& source,
                                                   const std::string& destination,
                                                   bool defaultAllow) const {
    const AuthorizeDecision d = matcher().authorize(source, destination, defaultAllow);
    return {d.authorized, d.reason};
}

OJson intentionJson(const Intention& ixn) {
    OJson o = OJson::object();
    if (!ixn.id.empty()) {
        o["ID"] = ixn.id;
    }
    o["Description"] = ixn.description;
    o["SourceNS"] = "default";
    o["SourceName"] = ixn.sourceName;
    o["DestinationNS"] = "default";
    o["DestinationName"] = ixn.destinationName;
    o["SourceType"] = ixn.sourceType;
    if (!ixn.action.empty()) {
        o["Action"] = ixn.action;
    }
    if (ixn.isL7()) {
        o["Permissions"] = OJson(ixn.permissions);
    }
    if (!ixn.id.empty()) {
        o["DefaultAddr"] = "";
        o["DefaultPort"] = 0;
    }
    OJson meta = OJson::object();
    for (const auto& [k, v] : ixn.meta) {
        meta[k] = v;
    }
    o["Meta"] = meta;
    o["Precedence"] = ixn.precedence;
    if (ixn.createdAt) {
        o["CreatedAt"] = rfc3339(*ixn.createdAt, true);
    }
    if (ixn.updatedAt) {
        o["UpdatedAt"] = rfc3339(*ixn.updatedAt, true);
    }
    o["CreateIndex"] = ixn.createIndex;
    o["ModifyIndex"] = ixn.modifyIndex;
    return o;
}

}  // namespace meshx::agent
