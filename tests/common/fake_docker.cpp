#include "tests/common/fake_docker.hpp"

#include <cstdio>

namespace acepool::testing {

using namespace acepool::docker;

namespace {

class fake_client final : public docker_client {
 public:
  explicit fake_client(std::shared_ptr<fake_docker> d) : d_(std::move(d)) {}
  result<done> ping() override { return d_->ping(); }
  result<version_info> version() override { return version_info{"20.10.24", "1.41", "1.12"}; }
  result<std::vector<container_summary>> list_containers(const filters& f, bool all) override {
    return d_->list(f, all);
  }
  result<std::string> create_container(const container_spec& spec) override {
    return d_->create(spec);
  }
  result<done> start_container(const std::string& id) override { return d_->start(id); }
  result<container_details> inspect_container(const std::string& id) override {
    return d_->inspect(id);
  }
  result<done> stop_container(const std::string& id, int) override { return d_->stop(id); }
  result<done> remove_container(const std::string& id, bool force) override {
    return d_->remove(id, force);
  }
  result<done> restart_container(const std::string& id, int) override { return d_->restart(id); }
  result<image_info> inspect_image(const std::string& ref) override {
    return d_->inspect_image(ref);
  }
  result<done> pull_image(const std::string& ref) override { return d_->pull(ref); }

 private:
  std::shared_ptr<fake_docker> d_;
};

bool matches(const container_details& c, const filters& f) {
  for (const auto& [key, values] : f) {
    for (const auto& v : values) {
      if (key == "label") {
        auto eq = v.find('=');
        auto k = v.substr(0, eq);
        auto it = c.labels.find(k);
        if (it == c.labels.end()) return false;
        if (eq != std::string::npos && it->second != v.substr(eq + 1)) return false;
      } else if (key == "name") {
        if (c.name.find(v) == std::string::npos) return false;
      } else if (key == "status") {
        if (c.status != v) return false;
      } else if (key == "id") {
        if (c.id.rfind(v, 0) != 0) return false;
      }
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<docker_client> fake_docker::make_client() {
  return std::make_unique<fake_client>(shared_from_this());
}

void fake_docker::set_reachable(bool reachable) {
  std::lock_guard<std::mutex> g(mutex_);
  reachable_ = reachable;
}

void fake_docker::fail(const std::string& op, docker_error error, int times) {
  std::lock_guard<std::mutex> g(mutex_);
  for (int i = 0; i < times; ++i)
    failures_[op].push_back(error);
}

void fake_docker::add_image(const std::string& ref) {
  std::lock_guard<std::mutex> g(mutex_);
  images_.insert(ref);
}

std::map<std::string, container_details> fake_docker::containers() const {
  std::lock_guard<std::mutex> g(mutex_);
  return containers_;
}

int fake_docker::calls(const std::string& op) const {
  std::lock_guard<std::mutex> g(mutex_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

void fake_docker::kill(const std::string& id, int exit_code) {
  std::lock_guard<std::mutex> g(mutex_);
  auto it = find(id);
  if (it == containers_.end()) return;
  it->second.running = false;
  it->second.status = "exited";
  it->second.exit_code = exit_code;
}

void fake_docker::hold(const std::string& op) {
  std::lock_guard<std::mutex> g(mutex_);
  held_.insert(op);
}

void fake_docker::release(const std::string& op) {
  {
    std::lock_guard<std::mutex> g(mutex_);
    held_.erase(op);
  }
  released_.notify_all();
}

int fake_docker::waiting(const std::string& op) const {
  std::lock_guard<std::mutex> g(mutex_);
  auto it = waiting_.find(op);
  return it == waiting_.end() ? 0 : it->second;
}

std::unique_lock<std::mutex> fake_docker::enter(const std::string& op) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (held_.count(op)) {
    ++waiting_[op];
    released_.wait(lock, [&] { return held_.count(op) == 0; });
    --waiting_[op];
  }
  return lock;
}

// Called with the mutex held.
std::optional<docker_error> fake_docker::injected(const std::string& op) {
  ++calls_[op];
  if (!reachable_)
    return docker_error{docker_errc::daemon_unreachable, 0, "fake daemon unreachable"};
  auto& list = failures_[op];
  if (list.empty()) return std::nullopt;
  auto e = list.front();
  list.erase(list.begin());
  return e;
}

std::map<std::string, container_details>::iterator fake_docker::find(
    const std::string& id_or_name) {
  for (auto it = containers_.begin(); it != containers_.end(); ++it)
    if (it->first.rfind(id_or_name, 0) == 0 || it->second.name == id_or_name) return it;
  return containers_.end();
}

result<done> fake_docker::ping() {
  auto g = enter("ping");
  if (auto e = injected("ping")) return *e;
  return done{};
}

result<std::vector<container_summary>> fake_docker::list(const filters& f, bool all) {
  auto g = enter("list");
  if (auto e = injected("list")) return *e;
  std::vector<container_summary> out;
  for (const auto& [id, c] : containers_) {
    if (!all && !c.running) continue;
    if (!matches(c, f)) continue;
    container_summary s;
    s.id = id;
    s.name = c.name;
    s.image = c.image;
    s.state = c.status;
    s.labels = c.labels;
    s.ports = c.ports;
    out.push_back(s);
  }
  return out;
}

result<std::string> fake_docker::create(const container_spec& spec) {
  auto g = enter("create");
  if (auto e = injected("create")) return *e;
  if (!images_.count(spec.image))
    return docker_error{docker_errc::image_missing, 404, "No such image: " + spec.image};
  for (const auto& [id, c] : containers_)
    if (c.name == spec.name)
      return docker_error{docker_errc::conflict, 409, "name in use: " + spec.name};
  char buf[65];
  std::snprintf(buf, sizeof buf, "%064x", next_id_++);
  container_details c;
  c.id = buf;
  c.name = spec.name;
  c.image = spec.image;
  c.status = "created";
  c.labels = spec.labels;
  c.env = spec.env;
  c.ports = spec.ports;
  c.network_mode = spec.network_mode.value_or("bridge");
  containers_[c.id] = c;
  return c.id;
}

result<done> fake_docker::start(const std::string& id) {
  auto g = enter("start");
  if (auto e = injected("start")) return *e;
  auto it = find(id);
  if (it == containers_.end())
    return docker_error{docker_errc::not_found, 404, "No such container: " + id};
  it->second.running = true;
  it->second.status = "running";
  return done{};
}

result<container_details> fake_docker::inspect(const std::string& id) {
  auto g = enter("inspect");
  if (auto e = injected("inspect")) return *e;
  auto it = find(id);
  if (it == containers_.end())
    return docker_error{docker_errc::not_found, 404, "No such container: " + id};
  return it->second;
}

result<done> fake_docker::stop(const std::string& id) {
  auto g = enter("stop");
  if (auto e = injected("stop")) return *e;
  auto it = find(id);
  if (it == containers_.end())
    return docker_error{docker_errc::not_found, 404, "No such container: " + id};
  it->second.running = false;
  it->second.status = "exited";
  return done{};
}

result<done> fake_docker::remove(const std::string& id, bool force) {
  auto g = enter("remove");
  if (auto e = injected("remove")) return *e;
  auto it = find(id);
  if (it == containers_.end())
    return docker_error{docker_errc::not_found, 404, "No such container: " + id};
  if (it->second.running && !force)
    return docker_error{docker_errc::conflict, 409, "container is running"};
  containers_.erase(it);
  return done{};
}

result<done> fake_docker::restart(const std::string& id) {
  auto g = enter("restart");
  if (auto e = injected("restart")) return *e;
  auto it = find(id);
  if (it == containers_.end())
    return docker_error{docker_errc::not_found, 404, "No such container: " + id};
  it->second.running = true;
  it->second.status = "running";
  return done{};
}

result<image_info> fake_docker::inspect_image(const std::string& ref) {
  auto g = enter("inspect_image");
  if (auto e = injected("inspect_image")) return *e;
  if (!images_.count(ref))
    return docker_error{docker_errc::image_missing, 404, "No such image: " + ref};
  return image_info{"sha256:fake", {ref}};
}

result<done> fake_docker::pull(const std::string& ref) {
  auto g = enter("pull");
  if (auto e = injected("pull")) return *e;
  images_.insert(ref);
  return done{};
}

}  // namespace acepool::testing
