#include "actors/runtime/actor_directory.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>

namespace acepool::actors {

void actor_directory::add(const caf::actor& handle, const std::string& name, std::string kind,
                          bool long_lived) {
  auto* impl = dynamic_cast<vitals_source*>(caf::actor_cast<caf::abstract_actor*>(handle));
  directory_entry entry{name, std::move(kind), handle,
                        impl != nullptr ? impl->vitals() : std::make_shared<actor_vitals>(),
                        long_lived};
  {
    std::lock_guard<std::mutex> guard(mutex_);
    entries_[name] = std::move(entry);
  }
  std::weak_ptr<actor_directory> weak = weak_from_this();
  auto addr = handle.address();
  handle->attach_functor([weak, name, addr] {
    if (auto dir = weak.lock()) dir->remove_if_same(name, addr);
  });
}

void actor_directory::remove_if_same(const std::string& name, const caf::actor_addr& who) {
  std::function<void(const std::string&)> lost;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = entries_.find(name);
    if (it == entries_.end() || it->second.handle.address() != who) return;
    entries_.erase(it);
    if (watching_ && required_.count(name) != 0) lost = on_lost_;
  }
  if (lost) lost(name);
}

void actor_directory::require_registered(std::function<void(const std::string&)> on_lost) {
  std::lock_guard<std::mutex> guard(mutex_);
  for (const auto& [name, e] : entries_)
    if (e.long_lived) required_.insert(name);
  on_lost_ = std::move(on_lost);
  watching_ = true;
}

void actor_directory::stop_watching() {
  std::lock_guard<std::mutex> guard(mutex_);
  watching_ = false;
}

std::vector<std::string> actor_directory::missing_required() const {
  std::lock_guard<std::mutex> guard(mutex_);
  std::vector<std::string> out;
  for (const auto& name : required_)
    if (entries_.count(name) == 0) out.push_back(name);
  return out;
}

std::vector<directory_entry> actor_directory::list() const {
  std::lock_guard<std::mutex> guard(mutex_);
  std::vector<directory_entry> out;
  out.reserve(entries_.size());
  for (const auto& [_, e] : entries_)
    out.push_back(e);
  return out;
}

std::optional<directory_entry> actor_directory::find(std::string_view name) const {
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

size_t actor_directory::size() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return entries_.size();
}

}  // namespace acepool::actors
