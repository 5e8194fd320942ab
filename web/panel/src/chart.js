// A time chart (uPlot): Mbit/s down and up on the left axis, peers on the right. It follows its
// box's width and the page's light or dark colours.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { clip } from "./format.js";
import { html } from "./html.js";

function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

function options(width) {
  const axis = { stroke: colour("--muted"), grid: { stroke: colour("--line"), width: 1 },
                 ticks: { stroke: colour("--line") } };
  return {
    width,
    height: 220,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, peers: { range: (_, min, max) => [0, Math.max(4, max)] } },
    axes: [axis, { ...axis, label: "Mbit/s", values: (_, ticks) => ticks.map((v) => v.toFixed(1)) },
           { ...axis, scale: "peers", side: 1, label: "peers", grid: { show: false } }],
    series: [
      {},
      { label: "down Mbit/s", stroke: colour("--accent"), width: 2, spanGaps: true,
        value: (_, v) => (v === null ? "—" : v.toFixed(2)) },
      { label: "up Mbit/s", stroke: colour("--ok"), width: 2, spanGaps: true,
        value: (_, v) => (v === null ? "—" : v.toFixed(2)) },
      { label: "peers", stroke: colour("--warn"), width: 1.5, scale: "peers", spanGaps: true },
    ],
  };
}

/// A chart of `data` ([times, down, up, peers]) titled `title`.
export function StatsChart({ title, data, testid, failure }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const element = box.current;
    plot.current = new uPlot(options(element.clientWidth || 600), data, element);
    const resize = new ResizeObserver(() => {
      const width = element.clientWidth;
      if (width && plot.current) plot.current.setSize({ width, height: 220 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => { if (plot.current) plot.current.setData(data); }, [data]);
  const points = data[0].length;
  return html`<section class="card chart" data-testid=${testid} data-points=${points}>
    <h2>${title}</h2>
    ${failure ? html`<p class="error">Stats unavailable: ${clip(failure, 300)}</p>`
      : points === 0 ? html`<p class="muted">No stats recorded for this stream yet.</p>` : ""}
    <div ref=${box}></div>
  </section>`;
}
