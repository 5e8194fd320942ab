// Stats histories (GET /streams/{id}/stats) as chart series: time in Unix seconds, speeds in
// Mbit/s (AceStream reports KiB/s), peers as counted.

/// Mbit/s from the engine's KiB/s (null stays null: the engine did not say).
export function kibToMbit(kib) {
  return kib === null || kib === undefined ? null : (kib * 1024 * 8) / 1e6;
}

/// One stream's snapshots as [times, down, up, peers].
export function streamSeries(snapshots) {
  const out = [[], [], [], []];
  for (const s of snapshots) {
    out[0].push(Date.parse(s.ts) / 1000);
    out[1].push(kibToMbit(s.speed_down));
    out[2].push(kibToMbit(s.speed_up));
    out[3].push(s.peers ?? null);
  }
  return out;
}

/// The collector's period, read from the snapshots themselves (the median gap between two of
/// one stream's, in seconds); `fallback` when no stream has two.
export function collectPeriod(histories, fallback = 5) {
  const gaps = [];
  for (const snapshots of histories)
    for (let i = 1; i < snapshots.length; i++)
      gaps.push((Date.parse(snapshots[i].ts) - Date.parse(snapshots[i - 1].ts)) / 1000);
  if (!gaps.length) return fallback;
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  return median > 0 ? median : fallback;
}

/// An engine's stats over time: its streams' snapshots summed per collection period, as
/// [times, down, up, peers]. Each stream counts once per period (its latest snapshot there); a
/// period where no stream said a value has null for it.
export function engineSeries(histories) {
  const period = collectPeriod(histories);
  const byTime = new Map();  // period start → [values of stream 0, values of stream 1, ...]
  histories.forEach((snapshots, stream) => {
    for (const s of snapshots) {
      const t = Math.round(Date.parse(s.ts) / 1000 / period) * period;
      if (!byTime.has(t)) byTime.set(t, []);
      byTime.get(t)[stream] = [kibToMbit(s.speed_down), kibToMbit(s.speed_up), s.peers ?? null];
    }
  });
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const sum = (t, i) => byTime.get(t).reduce((total, values) =>
    values && values[i] !== null ? (total ?? 0) + values[i] : total, null);
  return [times, ...[0, 1, 2].map((i) => times.map((t) => sum(t, i)))];
}

/// Merges newly read snapshots into a history: in time order, no time twice, at most `keep`
/// (the newest).
export function mergeHistory(old, added, keep = 720) {
  const seen = new Set(old.map((s) => s.ts));
  const merged = old.concat(added.filter((s) => !seen.has(s.ts)));
  merged.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  return merged.length > keep ? merged.slice(merged.length - keep) : merged;
}

/// The relay's outgoing rate in Mbit/s between two readings of /ace/status
/// ({at: ms, bytes: bytes_relayed}); null when it cannot be told (first reading, restart).
export function relayRate(before, after) {
  if (!before || !after || after.at <= before.at || after.bytes < before.bytes) return null;
  return ((after.bytes - before.bytes) * 8) / ((after.at - before.at) / 1000) / 1e6;
}
