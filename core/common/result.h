#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/error.h"

namespace meshx {

// Result<T>: a value or an Error (std::expected is C++23; Debian 12's GCC 12 lacks it).
//
//   Result<Address> a = Address::parse(text);
//   if (!a) return a.error();
//   use(*a);
//
// The one result type of the project. A layer whose errors carry more than an Error names its
// error type: RPC calls return Result<T, rpc::RpcError> (rpc::RpcResult<T>), whose error keeps
// MeshxRpc's reason atom and maps to an Error with toError().
template <typename T, typename E = Error>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    const E& error() const {
        assert(!ok());
        return std::get<1>(state_);
    }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    T valueOr(T fallback) const { return ok() ? std::get<0>(state_) : std::move(fallback); }

  private:
    std::variant<T, E> state_;
};

template <typename E>
class [[nodiscard]] Result<void, E> {
  public:
    Result() = default;
    Result(E error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const E& error() const {
        assert(!ok_);
        return error_;
    }

  private:
    E error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace meshx
