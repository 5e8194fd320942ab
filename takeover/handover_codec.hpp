#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "actors/relay/relay_handover.hpp"
#include "takeover/fd_channel.hpp"

namespace acepool::takeover {

/// The version of what the processes exchange. A process refuses a takeover from or to another
/// version (docs/operations.md "Upgrades without dropping viewers").
constexpr int protocol_version = 1;

/// Everything the old process hands over: its listening sockets (by listener name) and its relays.
struct handover_offer {
  std::map<std::string, int> listeners;
  std::vector<actors::relay_handover_ptr> relays;
};

/// The offer as one channel message (JSON, the hub bytes as the attachment, the descriptors).
/// The descriptors stay the offer's: the sender closes them after sending.
channel_message encode_offer(const handover_offer& offer, const std::string& version);

/// The offer in `m`, which it takes the descriptors of; an error line when it is not one this
/// version can continue (then every descriptor is closed).
std::variant<handover_offer, std::string> decode_offer(channel_message m);

/// Closes every descriptor of `offer`.
void close_offer(handover_offer& offer);

/// The short control messages: {"hello":...}, {"refused":why}, {"commit":true}, {"abort":why},
/// {"released":true}.
channel_message control_message(const std::string& field, const nlohmann::json& value);
/// The field and value of a control message; nothing when it is not one.
std::optional<std::pair<std::string, nlohmann::json>> read_control(const channel_message& m);

}  // namespace acepool::takeover
