#include "telemetry/filter/event_filter.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace meshx::telemetry {

namespace {

enum class FieldId {
    Event,
    Source,
    Fun,
    Kind,
    Result,
    State,
    Address,
    Instance,
    Process,
    Service,
    LocalConn,
    LocalNode,
    LocalSvc,
    RemoteConn,
    RemoteNode,
    RemoteSvc,
    Seq,
    Time,
    HskRef,
    ReqRef,
    BlocksSend,
    BlocksRecv,
    SizeSend,
    SizeRecv,
    TSer,
    TDser,
    TExec,
    THsk,
    TIdle,
    TRecv,
    TSend,
    TReq,
};

struct FieldDef {
    const char* name;
    FieldId id;
    EventFilter::FieldType type;
    const char* description;
};

using FT = EventFilter::FieldType;

const std::vector<FieldDef>& fieldDefs() {
    static const std::vector<FieldDef> defs = {
        {"event", FieldId::Event, FT::String, "event name: init hsk idle recv send call cast"},
        {"source", FieldId::Source, FT::String, "producer: rpc.client or rpc.server"},
        {"fun", FieldId::Fun, FT::String, "function name (meta fun_name)"},
        {"kind", FieldId::Kind, FT::String, "call or cast (meta fun_req)"},
        {"result", FieldId::Result, FT::String, "ok, or the error text (\"error: ...\")"},
        {"state", FieldId::State, FT::String, "worker state when emitted"},
        {"address", FieldId::Address, FT::String, "tcp://host:port or unix:///path"},
        {"instance", FieldId::Instance, FT::String, "serving instance: svc_ref/conn_ref"},
        {"process", FieldId::Process, FT::String,
         "the tapped process, program[pid] (empty for this process's own events)"},
        {"service", FieldId::Service, FT::String, "the tapped process's mesh service id"},
        {"local.conn_ref", FieldId::LocalConn, FT::String, "this side's connection ref"},
        {"local.node_ref", FieldId::LocalNode, FT::String, "this side's node ref"},
        {"local.svc_ref", FieldId::LocalSvc, FT::String, "this side's service ref"},
        {"remote.conn_ref", FieldId::RemoteConn, FT::String, "peer's connection ref"},
        {"remote.node_ref", FieldId::RemoteNode, FT::String, "peer's node ref"},
        {"remote.svc_ref", FieldId::RemoteSvc, FT::String, "peer's service ref"},
        {"seq", FieldId::Seq, FT::Number, "bus sequence number"},
        {"time", FieldId::Time, FT::Number, "wall clock, microseconds since the epoch"},
        {"hsk_ref", FieldId::HskRef, FT::Number, "handshake ref"},
        {"req_ref", FieldId::ReqRef, FT::Number, "request ref (absent outside requests)"},
        {"blocks.send", FieldId::BlocksSend, FT::Number, "blocks sent"},
        {"blocks.recv", FieldId::BlocksRecv, FT::Number, "blocks received"},
        {"size.send", FieldId::SizeSend, FT::Number, "bytes sent"},
        {"size.recv", FieldId::SizeRecv, FT::Number, "bytes received"},
        {"t.ser", FieldId::TSer, FT::Number, "serialization time (us)"},
        {"t.dser", FieldId::TDser, FT::Number, "deserialization time (us)"},
        {"t.exec", FieldId::TExec, FT::Number, "execution time (us)"},
        {"t.hsk", FieldId::THsk, FT::Number, "handshake time (us)"},
        {"t.idle", FieldId::TIdle, FT::Number, "idle time (us)"},
        {"t.recv", FieldId::TRecv, FT::Number, "receive time (us)"},
        {"t.send", FieldId::TSend, FT::Number, "send time (us)"},
        {"t.req", FieldId::TReq, FT::Number, "request time: ser+dser+exec+send+recv (us)"},
    };
    return defs;
}

const FieldDef* findField(std::string_view name) {
    // Aliases with the original metadata names.
    if (name == "fun_name")
        name = "fun";
    else if (name == "fun_req")
        name = "kind";
    for (const FieldDef& d : fieldDefs()) {
        if (name == d.name)
            return &d;
    }
    return nullptr;
}

// A field's value in one record: absent, a number, or a string view into the record.
struct Value {
    bool present = false;
    bool number = false;
    long double n = 0;
    std::string_view s;
    std::string owned;  // for computed strings (instance)
};

Value numberValue(long double n) {
    Value v;
    v.present = true;
    v.number = true;
    v.n = n;
    return v;
}

Value stringValue(const std::string& s) {
    Value v;
    v.present = !s.empty();
    v.s = s;
    return v;
}

Value fieldValue(FieldId id, const RpcRecord& r) {
    auto num = [](int64_t x) { return numberValue(static_cast<long double>(x)); };
    switch (id) {
        case FieldId::Event:
            return stringValue(r.event);
        case FieldId::Source:
            return stringValue(r.source);
        case FieldId::Fun:
            return stringValue(r.fun);
        case FieldId::Kind:
            return stringValue(r.kind);
        case FieldId::Result:
            return stringValue(r.result);
        case FieldId::State:
            return stringValue(r.state);
        case FieldId::Address:
            return stringValue(r.address);
        case FieldId::Instance: {
            Value v;
            v.owned = r.instance();
            v.present = !v.owned.empty();
            return v;
        }
        case FieldId::Process:
            return stringValue(r.process);
        case FieldId::Service:
            return stringValue(r.service);
        case FieldId::LocalConn:
            return stringValue(r.localConn);
        case FieldId::LocalNode:
            return stringValue(r.localNode);
        case FieldId::LocalSvc:
            return stringValue(r.localSvc);
        case FieldId::RemoteConn:
            return stringValue(r.remoteConn);
        case FieldId::RemoteNode:
            return stringValue(r.remoteNode);
        case FieldId::RemoteSvc:
            return stringValue(r.remoteSvc);
        case FieldId::Seq:
            return numberValue(static_cast<long double>(r.seq));
        case FieldId::Time:
            return num(r.timeUs);
        case FieldId::HskRef:
            return r.hskRef ? numberValue(static_cast<long double>(*r.hskRef)) : Value{};
        case FieldId::ReqRef:
            return r.reqRef ? numberValue(static_cast<long double>(*r.reqRef)) : Value{};
        case FieldId::BlocksSend:
            return num(r.blocksSend);
        case FieldId::BlocksRecv:
            return num(r.blocksRecv);
        case FieldId::SizeSend:
            return num(r.sizeSend);
        case FieldId::SizeRecv:
            return num(r.sizeRecv);
        case FieldId::TSer:
            return num(r.tSer);
        case FieldId::TDser:
            return num(r.tDser);
        case FieldId::TExec:
            return num(r.tExec);
        case FieldId::THsk:
            return num(r.tHsk);
        case FieldId::TIdle:
            return num(r.tIdle);
        case FieldId::TRecv:
            return num(r.tRecv);
        case FieldId::TSend:
            return num(r.tSend);
        case FieldId::TReq:
            return num(r.requestUs());
    }
    return {};
}

std::string numberText(long double n) {
    char buf[64];
    if (n == static_cast<long double>(static_cast<int64_t>(n))) {
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(n));
        return ec == std::errc() ? std::string(buf, end) : std::string();
    }
    std::snprintf(buf, sizeof buf, "%.6Lg", n);
    return buf;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

enum class Op { Eq, Ne, Lt, Le, Gt, Ge, Contains, Matches, In, Exists };

// A literal: its text, and its numeric value when it reads as a number (with unit).
struct Literal {
    std::string text;
    bool isNumber = false;
    long double n = 0;
};

}  // namespace

struct EventFilter::Node {
    enum class Kind { And, Or, Not, Test } kind = Kind::Test;
    std::shared_ptr<const Node> left, right;  // And/Or: both; Not: left
    FieldId field = FieldId::Event;
    FieldType type = FieldType::String;
    Op op = Op::Exists;
    std::vector<Literal> values;
    // RE2, not std::regex: matching is linear in the text whatever the pattern, so a filter typed
    // in the console or pushed down to a tap by a subscriber cannot stall the thread that
    // evaluates it (std::regex once took 87 s on one record for a fuzzed pattern).
    std::shared_ptr<const re2::RE2> regex;

    bool eval(const RpcRecord& r) const;
};

namespace {

bool compare(Op op, const Value& v, const Literal& lit) {
    if (v.number) {
        const long double a = v.n, b = lit.n;
        switch (op) {
            case Op::Eq:
            case Op::In:
                return a == b;
            case Op::Ne:
                return a != b;
            case Op::Lt:
                return a < b;
            case Op::Le:
                return a <= b;
            case Op::Gt:
                return a > b;
            case Op::Ge:
                return a >= b;
            default:
                return false;
        }
    }
    const std::string_view a = v.owned.empty() ? v.s : std::string_view(v.owned);
    const std::string_view b = lit.text;
    switch (op) {
        case Op::Eq:
        case Op::In:
            return a == b;
        case Op::Ne:
            return a != b;
        case Op::Lt:
            return a < b;
        case Op::Le:
            return a <= b;
        case Op::Gt:
            return a > b;
        case Op::Ge:
            return a >= b;
        default:
            return false;
    }
}

}  // namespace

bool EventFilter::Node::eval(const RpcRecord& r) const {
    switch (kind) {
        case Kind::And:
            return left->eval(r) && right->eval(r);
        case Kind::Or:
            return left->eval(r) || right->eval(r);
        case Kind::Not:
            return !left->eval(r);
        case Kind::Test:
            break;
    }
    const Value v = fieldValue(field, r);
    if (!v.present)
        return false;
    switch (op) {
        case Op::Exists:
            return true;
        case Op::In:
            return std::any_of(values.begin(), values.end(),
                               [&](const Literal& l) { return compare(Op::Eq, v, l); });
        case Op::Contains:
        case Op::Matches: {
            std::string text =
                v.number ? numberText(v.n) : std::string(v.owned.empty() ? v.s : v.owned);
            if (op == Op::Contains)
                return text.find(values.front().text) != std::string::npos;
            return re2::RE2::PartialMatch(text, *regex);
        }
        default:
            return compare(op, v, values.front());
    }
}

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxRegex = 256;

enum class Tok { End, LParen, RParen, LBrace, RBrace, Op, And, Or, Not, Word, String, Error };

struct Token {
    Tok type = Tok::End;
    size_t pos = 0;
    std::string text;  // word / string (unescaped) / operator spelling
    Op op = Op::Eq;
};

// Bare words: field names, numbers with units, refs (base64 conn_refs have + and /), names like
// nonode@nohost or rpc.client. Anything else must be quoted.
bool isWordChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80)
        return true;
    switch (c) {
        case '_':
        case '.':
        case ':':
        case '@':
        case '/':
        case '+':
        case '-':
        case '%':
        case '~':
        case '*':
            return true;
        default:
            return false;
    }
}

// Reads "12", "1.5", "-3", "2ms", "1KB" as a number; false for anything else.
bool parseNumber(const std::string& text, long double& out) {
    if (text.empty())
        return false;
    const char first = text[0];
    if (!(std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '.'))
        return false;
    size_t i = 0;
    if (text[i] == '-')
        ++i;
    const size_t digitsStart = i;
    bool dot = false;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot))) {
        dot = dot || text[i] == '.';
        ++i;
    }
    if (i == digitsStart || (i == digitsStart + 1 && dot))
        return false;
    const std::string digits = text.substr(0, i);
    char* end = nullptr;
    long double n = std::strtold(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size())
        return false;
    const std::string unit = text.substr(i);
    long double scale = 1;
    if (unit.empty() || unit == "us" || unit == "B")
        scale = 1;
    else if (unit == "ms")
        scale = 1e3L;
    else if (unit == "s")
        scale = 1e6L;
    else if (unit == "KB" || unit == "kB" || unit == "k")
        scale = 1e3L;
    else if (unit == "MB")
        scale = 1e6L;
    else if (unit == "GB")
        scale = 1e9L;
    else
        return false;
    out = n * scale;
    return true;
}

class Lexer {
  public:
    explicit Lexer(std::string_view text) : text_(text) {}

    Token next() {
        while (i_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[i_])))
            ++i_;
        Token t;
        t.pos = i_;
        if (i_ >= text_.size())
            return t;
        const char c = text_[i_];
        auto two = [&](char a, char b) {
            return c == a && i_ + 1 < text_.size() && text_[i_ + 1] == b;
        };
        auto op = [&](Op o, size_t len) {
            t.type = Tok::Op;
            t.op = o;
            t.text = std::string(text_.substr(i_, len));
            i_ += len;
            return t;
        };
        if (c == '(' || c == ')' || c == '{' || c == '}') {
            t.type = c == '('   ? Tok::LParen
                     : c == ')' ? Tok::RParen
                     : c == '{' ? Tok::LBrace
                                : Tok::RBrace;
            t.text = std::string(1, c);
            ++i_;
            return t;
        }
        if (two('=', '='))
            return op(Op::Eq, 2);
        if (two('!', '='))
            return op(Op::Ne, 2);
        if (two('<', '='))
            return op(Op::Le, 2);
        if (two('>', '='))
            return op(Op::Ge, 2);
        if (c == '<')
            return op(Op::Lt, 1);
        if (c == '>')
            return op(Op::Gt, 1);
        if (c == '=') {
            t.type = Tok::Error;
            t.text = "'=' is not an operator: use '=='";
            return t;
        }
        if (c == '!') {
            t.type = Tok::Not;
            t.text = "!";
            ++i_;
            return t;
        }
        if (two('&', '&') || two('|', '|')) {
            t.type = c == '&' ? Tok::And : Tok::Or;
            t.text = std::string(text_.substr(i_, 2));
            i_ += 2;
            return t;
        }
        if (c == '"')
            return quoted(t);
        if (!isWordChar(c)) {
            t.type = Tok::Error;
            t.text = std::string("unexpected character '") + c + "'";
            return t;
        }
        size_t j = i_;
        while (j < text_.size() && isWordChar(text_[j]))
            ++j;
        t.text = std::string(text_.substr(i_, j - i_));
        i_ = j;
        t.type = Tok::Word;
        static const struct {
            const char* word;
            Tok tok;
            Op op;
        } kKeywords[] = {
            {"and", Tok::And, Op::Eq},         {"or", Tok::Or, Op::Eq},
            {"not", Tok::Not, Op::Eq},         {"eq", Tok::Op, Op::Eq},
            {"ne", Tok::Op, Op::Ne},           {"lt", Tok::Op, Op::Lt},
            {"le", Tok::Op, Op::Le},           {"gt", Tok::Op, Op::Gt},
            {"ge", Tok::Op, Op::Ge},           {"contains", Tok::Op, Op::Contains},
            {"matches", Tok::Op, Op::Matches}, {"in", Tok::Op, Op::In},
        };
        for (const auto& k : kKeywords) {
            if (iequals(t.text, k.word)) {
                t.type = k.tok;
                t.op = k.op;
                break;
            }
        }
        return t;
    }

    size_t position() const { return i_; }

  private:
    Token quoted(Token t) {
        ++i_;
        std::string out;
        while (i_ < text_.size()) {
            const char c = text_[i_];
            if (c == '"') {
                ++i_;
                t.type = Tok::String;
                t.text = std::move(out);
                return t;
            }
            if (c == '\\') {
                if (i_ + 1 >= text_.size())
                    break;
                const char e = text_[i_ + 1];
                out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
                i_ += 2;
                continue;
            }
            out.push_back(c);
            ++i_;
        }
        t.type = Tok::Error;
        t.text = "unterminated string";
        return t;
    }

    std::string_view text_;
    size_t i_ = 0;
};

using NodePtr = std::shared_ptr<const EventFilter::Node>;

struct ParseFailure {
    FilterError error;
};

class Parser {
  public:
    explicit Parser(std::string_view text) : lexer_(text) { advance(); }

    NodePtr parseAll() {
        NodePtr n = parseOr(0);
        if (tok_.type != Tok::End) {
            if (tok_.type == Tok::RParen)
                fail(tok_.pos, "unexpected ')'");
            fail(tok_.pos,
                 "expected 'and', 'or' or the end of the filter, got '" + tok_.text + "'");
        }
        return n;
    }

  private:
    [[noreturn]] void fail(size_t pos, std::string message) {
        throw ParseFailure{FilterError{pos, std::move(message)}};
    }

    void advance() {
        tok_ = lexer_.next();
        if (tok_.type == Tok::Error)
            fail(tok_.pos, tok_.text);
    }

    static NodePtr binary(EventFilter::Node::Kind kind, NodePtr l, NodePtr r) {
        auto n = std::make_shared<EventFilter::Node>();
        n->kind = kind;
        n->left = std::move(l);
        n->right = std::move(r);
        return n;
    }

    NodePtr parseOr(int depth) {
        NodePtr left = parseAnd(depth);
        while (tok_.type == Tok::Or) {
            advance();
            left = binary(EventFilter::Node::Kind::Or, left, parseAnd(depth));
        }
        return left;
    }

    NodePtr parseAnd(int depth) {
        NodePtr left = parseUnary(depth);
        while (tok_.type == Tok::And) {
            advance();
            left = binary(EventFilter::Node::Kind::And, left, parseUnary(depth));
        }
        return left;
    }

    NodePtr parseUnary(int depth) {
        if (depth > kMaxDepth)
            fail(tok_.pos, "nested too deep");
        if (tok_.type == Tok::Not) {
            advance();
            auto n = std::make_shared<EventFilter::Node>();
            n->kind = EventFilter::Node::Kind::Not;
            n->left = parseUnary(depth + 1);
            return n;
        }
        if (tok_.type == Tok::LParen) {
            const size_t open = tok_.pos;
            advance();
            NodePtr inner = parseOr(depth + 1);
            if (tok_.type != Tok::RParen)
                fail(tok_.type == Tok::End ? open : tok_.pos,
                     tok_.type == Tok::End ? "missing ')' for this '('"
                                           : "expected ')', got '" + tok_.text + "'");
            advance();
            return inner;
        }
        return parseTest();
    }

    Literal parseValue(const FieldDef& field, const Token& opTok) {
        if (tok_.type != Tok::Word && tok_.type != Tok::String) {
            fail(tok_.pos, tok_.type == Tok::End ? "expected a value after '" + opTok.text + "'"
                                                 : "expected a value after '" + opTok.text +
                                                       "', got '" + tok_.text + "'");
        }
        Literal lit;
        lit.text = tok_.text;
        lit.isNumber = tok_.type == Tok::Word && parseNumber(tok_.text, lit.n);
        if (field.type == FT::Number && !lit.isNumber && opTok.op != Op::Contains &&
            opTok.op != Op::Matches) {
            fail(tok_.pos, std::string("'") + field.name + "' is a number; '" + tok_.text +
                               "' is not (units: us ms s B KB MB GB)");
        }
        advance();
        return lit;
    }

    NodePtr parseTest() {
        if (tok_.type != Tok::Word) {
            if (tok_.type == Tok::End)
                fail(tok_.pos, "expected a field name");
            fail(tok_.pos, "expected a field name, got '" + tok_.text + "'");
        }
        const FieldDef* field = findField(tok_.text);
        if (field == nullptr)
            fail(tok_.pos, "unknown field '" + tok_.text + "'");
        auto n = std::make_shared<EventFilter::Node>();
        n->field = field->id;
        n->type = field->type;
        advance();
        if (tok_.type != Tok::Op) {
            n->op = Op::Exists;
            return n;
        }
        const Token opTok = tok_;
        n->op = opTok.op;
        advance();
        if (n->op == Op::In) {
            if (tok_.type != Tok::LBrace)
                fail(tok_.pos, "expected '{' after 'in'");
            advance();
            while (tok_.type != Tok::RBrace) {
                if (tok_.type == Tok::End)
                    fail(tok_.pos, "missing '}'");
                n->values.push_back(parseValue(*field, opTok));
            }
            if (n->values.empty())
                fail(tok_.pos, "'in' needs at least one value");
            advance();
            return n;
        }
        const size_t valuePos = tok_.pos;
        n->values.push_back(parseValue(*field, opTok));
        if (n->op == Op::Matches) {
            const std::string& pattern = n->values.front().text;
            if (pattern.size() > kMaxRegex)
                fail(valuePos, "regex longer than 256 characters");
            re2::RE2::Options options;
            options.set_case_sensitive(false);
            options.set_log_errors(false);  // the error goes to the user, not to stderr
            auto regex = std::make_shared<const re2::RE2>(pattern, options);
            if (!regex->ok())
                fail(valuePos, "invalid regex: " + regex->error());
            n->regex = std::move(regex);
        }
        return n;
    }

    Lexer lexer_;
    Token tok_;
};

}  // namespace

std::string FilterError::toString() const {
    return "column " + std::to_string(position + 1) + ": " + message;
}

EventFilter::EventFilter() = default;
EventFilter::~EventFilter() = default;
EventFilter::EventFilter(const EventFilter&) = default;
EventFilter& EventFilter::operator=(const EventFilter&) = default;

Result<EventFilter> EventFilter::parse(std::string_view text, FilterError* detail) {
    EventFilter f;
    f.text_ = std::string(text);
    const bool blank = std::all_of(text.begin(), text.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c));
    });
    if (blank)
        return f;
    try {
        Parser parser(text);
        f.root_ = parser.parseAll();
    } catch (const ParseFailure& failure) {
        if (detail != nullptr)
            *detail = failure.error;
        return Error{Code::ParseError, failure.error.toString()};
    }
    return f;
}

bool EventFilter::matches(const RpcRecord& record) const {
    return root_ == nullptr || root_->eval(record);
}

const std::vector<EventFilter::FieldInfo>& EventFilter::fields() {
    static const std::vector<FieldInfo> infos = [] {
        std::vector<FieldInfo> out;
        for (const FieldDef& d : fieldDefs())
            out.push_back({d.name, d.type, d.description});
        return out;
    }();
    return infos;
}

}  // namespace meshx::telemetry
