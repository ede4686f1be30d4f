// A model's figures drawn as SVG from the JSON the API returns: the cross-validated confusion
// matrix as a heat-map, and the unknown rule's calibration curves.

import { displayName } from "./api.js";

const SVG = "http://www.w3.org/2000/svg";
const CELL = 46;
const CHAR = 7.4; // px per character of a 13 px label, roughly

function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

/** Light for 0, the accent blue for 1. */
const heat = (share) => `hsl(215, 85%, ${Math.round(97 - share * 55)}%)`;

/** Rows are the true person, columns the model's answer; each cell shaded by its row's share. */
export function drawConfusion(svg, confusion) {
  const { labels, matrix } = confusion;
  const n = labels.length;
  const longest = Math.max(...labels.map((l) => l.length), 4);
  const left = Math.round(longest * CHAR) + 28;
  const top = Math.round(longest * CHAR * 0.72) + 30;
  const overhang = Math.round(longest * CHAR * Math.cos((40 * Math.PI) / 180) - CELL / 2);
  const width = left + n * CELL + Math.max(12, overhang + 8); // the last column's slanted label
  const height = top + n * CELL + 8;
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("aria-label", `Confusion matrix of ${n} people`);

  svg.append(el("text", { x: 4, y: 14, class: "axis-title" }, "true ↓ · said →"));
  labels.forEach((label, j) => {
    const x = left + j * CELL + CELL / 2;
    svg.append(el("text", {
      x, y: top - 8, class: "col-label", transform: `rotate(-40 ${x} ${top - 8})`,
    }, displayName(label)));
  });
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const group = el("g", { class: "cm-row", "data-label": labels[i] });
    group.append(el("text", {
      x: left - 8, y: top + i * CELL + CELL / 2 + 4, class: "row-label", "text-anchor": "end",
    }, displayName(labels[i])));
    row.forEach((count, j) => {
      const share = count / total;
      const x = left + j * CELL;
      const y = top + i * CELL;
      const cell = el("rect", {
        x, y, width: CELL - 2, height: CELL - 2, rx: 3, fill: heat(share),
        class: i === j ? "cell diagonal" : "cell",
      });
      cell.append(el("title", {}, `${count} of ${total} photo(s) of ${displayName(labels[i])} `
        + `named ${displayName(labels[j])}`));
      group.append(cell, el("text", {
        x: x + CELL / 2 - 1, y: y + CELL / 2 + 4, "text-anchor": "middle",
        class: share > 0.55 ? "count dark" : "count",
      }, String(count)));
    });
    svg.append(group);
  });
}

/** Share of known faces kept and of strangers refused per distance threshold, the chosen one
 * marked: how the model decides to answer "unknown". */
export function drawUnknownRule(svg, calibration) {
  const { threshold, known_kept: kept, strangers_refused: refused } = calibration.curves;
  const W = 520;
  const H = 300;
  const m = { left: 46, right: 16, top: 16, bottom: 62 };
  const lo = Math.min(...threshold);
  const hi = Math.max(...threshold);
  const x = (t) => m.left + ((t - lo) / (hi - lo || 1)) * (W - m.left - m.right);
  const y = (v) => m.top + (1 - v) * (H - m.top - m.bottom);
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", W);
  svg.setAttribute("aria-label",
    `Unknown rule: distance threshold ${calibration.distance_threshold}`);

  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el("line", { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: "grid" }),
      el("text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, v));
  }
  for (let t = Math.ceil(lo * 10) / 10; t <= hi + 1e-9; t += 0.1) {
    svg.append(el("text", { x: x(t), y: H - m.bottom + 16, "text-anchor": "middle", class: "tick" },
      t.toFixed(1)));
  }
  svg.append(el("text", { x: (m.left + W - m.right) / 2, y: H - m.bottom + 34,
    "text-anchor": "middle", class: "axis-title" }, "distance threshold"));
  const line = (values, cls) => el("polyline", {
    class: cls, fill: "none",
    points: threshold.map((t, i) => `${x(t).toFixed(1)},${y(values[i]).toFixed(1)}`).join(" "),
  });
  svg.append(line(kept, "curve-known"), line(refused, "curve-strangers"));
  const chosen = calibration.distance_threshold;
  svg.append(el("line", { x1: x(chosen), x2: x(chosen), y1: m.top, y2: H - m.bottom,
    class: "threshold-line" }),
  el("text", { x: x(chosen) + 4, y: H - m.bottom - 6, class: "tick" }, `chosen ${chosen}`));
  const legend = [["curve-known", `known faces kept (${calibration.known_kept})`],
    ["curve-strangers", `strangers refused (${calibration.strangers_refused})`]];
  legend.forEach(([cls, text], i) => {
    const lx = m.left + i * 230;
    svg.append(el("line", { x1: lx, x2: lx + 22, y1: H - 10, y2: H - 10, class: cls }),
      el("text", { x: lx + 28, y: H - 6, class: "tick" }, text));
  });
}
