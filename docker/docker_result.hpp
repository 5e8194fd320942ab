#pragma once

#include <optional>
#include <utility>

#include "docker/docker_error.hpp"

namespace acepool::docker {

/// A Docker call's value or its error (errors are values; nothing throws across the client).
template <class T>
class result {
 public:
  result(T value) : value_(std::move(value)) {}             // NOLINT: implicit by design
  result(docker_error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  /// The error; only meaningful when !ok().
  const docker_error& error() const { return error_; }

 private:
  std::optional<T> value_;
  docker_error error_;
};

/// Success without a value.
struct done {};

}  // namespace acepool::docker
