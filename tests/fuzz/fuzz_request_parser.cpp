// HTTP/1.x requests in any split: the parser must consume, stop at every head and request, fail
// with a status, and never loop or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/request_parser.hpp"

using namespace acepool::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the read size, so every boundary is tried.
  size_t piece = 1 + data[0] % 64;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  request_limits limits;
  limits.max_target_bytes = 512;
  limits.max_header_bytes = 1024;
  limits.max_header_count = 16;
  request_parser p(limits);
  size_t pos = 0;
  std::string pending;
  int steps = 0;
  while (pos < input.size() || !pending.empty()) {
    if (pending.empty()) {
      pending = input.substr(pos, piece);
      pos += pending.size();
    }
    auto step = p.feed(pending.data(), pending.size());
    if (step.consumed > pending.size()) std::abort();
    pending.erase(0, step.consumed);
    switch (step.what) {
      case request_parser::event::head:
        p.set_body_limit(1024);
        break;
      case request_parser::event::complete: {
        auto r = p.take_request();
        if (!r || r->body.size() > 1024) std::abort();
        break;
      }
      case request_parser::event::failed: {
        int status = status_of(p.failure());
        if (status < 400 || status > 505 || p.failure_detail().empty()) std::abort();
        return 0;
      }
      case request_parser::event::need_more:
        if (!pending.empty()) std::abort();  // need_more means all was consumed
        break;
    }
    if (++steps > 100000) std::abort();  // no progress
  }
  return 0;
}
