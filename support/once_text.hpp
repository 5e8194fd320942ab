#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace acepool::support {

/// A text made once, by whoever asks first, and shared by every later reader: a snapshot
/// carries one so that its rendering is paid once per version, by the layer that renders it,
/// and only if someone reads it. Copies share the text. Thread-safe.
class once_text {
 public:
  /// The text, made by `make()` on the first call.
  template <class Make>
  const std::string& get(Make&& make) const {
    std::call_once(slot_->once, [&] { slot_->text = make(); });
    return slot_->text;
  }

 private:
  struct slot {
    std::once_flag once;
    std::string text;
  };
  std::shared_ptr<slot> slot_ = std::make_shared<slot>();
};

}  // namespace acepool::support
