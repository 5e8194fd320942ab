// Swarm mode (ORCHESTRATOR=swarm): the nodes of /orchestrator/status as the pages show them.
import { shortId } from "./format.js";

/// A node's name for an engine's row: its hostname when the status lists it, else its short id;
/// null for an engine without a node (docker mode).
export function nodeName(nodeId, nodes) {
  if (!nodeId) return null;
  const n = (nodes || []).find((x) => x.id === nodeId);
  return n && n.hostname ? n.hostname : shortId(nodeId);
}

/// One row per node: name (acepool's own marked), state (with availability when it is not
/// active), healthy / engines, streams. Nodes that cannot take engines come first.
export function nodeRows(nodes) {
  const usable = (n) => n.state === "ready" && n.availability === "active";
  return [...(nodes || [])]
    .sort((a, b) => (usable(a) === usable(b) ? 0 : usable(a) ? 1 : -1))
    .map((n) => ({
      id: n.id,
      name: (n.hostname || shortId(n.id)) + (n.local ? " (acepool)" : ""),
      state: n.availability === "active" ? n.state : n.state + ", " + n.availability,
      usable: usable(n),
      engines: n.healthy_engines + " / " + n.engines,
      streams: n.streams,
    }));
}
