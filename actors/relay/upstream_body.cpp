#include "actors/relay/upstream_body.hpp"

#include <algorithm>
#include <array>

namespace acepool::relay {

namespace {

constexpr unsigned max_size_digits = 15;  // below 2^60: no overflow, far beyond any chunk

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<const char*, 9> state_names = {
    "size", "extension", "size_lf", "data", "data_cr", "data_lf", "trailer", "done", "broken"};

}  // namespace

bool upstream_body::decode(const char* data, size_t n, std::string& out) {
  if (!chunked_) {
    out.append(data, n);
    return true;
  }
  size_t i = 0;
  while (i < n) {
    if (state_ == state::data) {  // the bytes themselves, in one go
      auto take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - i));
      out.append(data + i, take);
      remaining_ -= take;
      i += take;
      if (remaining_ == 0) state_ = state::data_cr;
      continue;
    }
    if (!framing(data[i++])) return false;
  }
  return state_ != state::done && state_ != state::broken;
}

bool upstream_body::framing(char c) {
  auto fail = [this] {
    state_ = state::broken;
    return false;
  };
  switch (state_) {
    case state::size: {
      int v = hex_value(c);
      if (v >= 0 && size_digits_ < max_size_digits) {
        remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
        ++size_digits_;
      } else if (size_digits_ > 0 && (c == ';' || c == ' ' || c == '\t')) {
        state_ = state::extension;
      } else if (size_digits_ > 0 && c == '\r') {
        state_ = state::size_lf;
      } else {
        return fail();
      }
      return true;
    }
    case state::extension:
      if (c == '\r') state_ = state::size_lf;
      return true;
    case state::size_lf:
      if (c != '\n') return fail();
      state_ = remaining_ == 0 ? state::trailer : state::data;
      trailer_line_empty_ = true;
      return true;
    case state::data_cr:
    case state::data_lf:
      if (c != (state_ == state::data_cr ? '\r' : '\n')) return fail();
      state_ = state_ == state::data_cr ? state::data_lf : state::size;
      size_digits_ = 0;
      return true;
    case state::trailer:
      if (c == '\n') {
        if (trailer_line_empty_) {
          state_ = state::done;
          return false;
        }
        trailer_line_empty_ = true;
      } else if (c != '\r') {
        trailer_line_empty_ = false;
      }
      return true;
    case state::data:  // handled by decode()
    case state::done:
    case state::broken:
      break;
  }
  return false;
}

nlohmann::json upstream_body::to_json() const {
  return {{"chunked", chunked_},
          {"state", state_names[static_cast<size_t>(state_)]},
          {"remaining", remaining_},
          {"size_digits", size_digits_},
          {"trailer_line_empty", trailer_line_empty_}};
}

std::optional<upstream_body> upstream_body::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto chunked = j.find("chunked");
  auto name = j.find("state");
  auto remaining = j.find("remaining");
  auto digits = j.find("size_digits");
  auto empty = j.find("trailer_line_empty");
  auto count = [&j](const nlohmann::json::const_iterator& it) {
    return it != j.end() && it->is_number_integer() && it->get<int64_t>() >= 0;
  };
  if (chunked == j.end() || !chunked->is_boolean() || name == j.end() || !name->is_string() ||
      !count(remaining) || !count(digits) || empty == j.end() || !empty->is_boolean())
    return std::nullopt;
  auto found = std::find(state_names.begin(), state_names.end(), name->get<std::string>());
  if (found == state_names.end() || digits->get<uint64_t>() > max_size_digits) return std::nullopt;
  upstream_body b(chunked->get<bool>());
  b.state_ = static_cast<state>(found - state_names.begin());
  b.remaining_ = remaining->get<uint64_t>();
  b.size_digits_ = digits->get<unsigned>();
  b.trailer_line_empty_ = empty->get<bool>();
  return b;
}

}  // namespace acepool::relay
