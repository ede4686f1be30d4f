// A photo's faces, the same wherever the page shows them (one photo, a batch item): one
// display name, one sentence per face, boxes whose labels never overlap or leave the photo.

import { certainty, displayName } from "./api.js";

export const UNKNOWN = "unknown";
const SVG = "http://www.w3.org/2000/svg";

/** Why a face is unknown, in words (the API's `reason`, inference.naming.REASONS). */
const REASONS = {
  unclear: "too unclear to name",
  person_deleted: "that person was deleted",
  not_sure: "not sure who it is",
  not_close_enough: "not close enough to anyone",
  named_elsewhere_in_photo: "named elsewhere in this photo",
};

export const isUnknown = (face) => face.label === UNKNOWN;

/** Why an unknown face is unknown; a face stored before reasons were kept has none. */
export const reasonWords = (face) => REASONS[face.reason] || "";

/** A named face with its percentage; an unknown one with its reason and no percentage (its
 * score is the refused person's, not a confidence in this face). */
export function faceWords(face) {
  if (!isUnknown(face)) return `${displayName(face.label)} ${certainty(face)}`;
  const why = reasonWords(face);
  return why ? `${UNKNOWN} — ${why}` : UNKNOWN;
}

/** Named faces first, the photo's answer leading, by score; then the unknown ones left to
 * right: one numbering for the boxes and the tables. */
export function ordered(faces, answer) {
  const rank = (face) => (isUnknown(face) ? 0 : face.label === answer ? 2 : 1);
  return [...faces].sort(
    (a, b) => rank(b) - rank(a) || (isUnknown(a) ? a.box.x - b.box.x : b.score - a.score),
  );
}

const FULL_SENTENCE_UP_TO = 6; // faces; in a bigger crowd the faces table gives the reasons

/** What a box's label may say, longest first: the whole sentence, the name alone, the number. */
function labelTexts(face, number, crowd) {
  const texts = [];
  if (!isUnknown(face) || !crowd) texts.push(`${number}: ${faceWords(face)}`);
  if (isUnknown(face) && (crowd || reasonWords(face))) texts.push(`${number}: ${UNKNOWN}`);
  texts.push(String(number));
  return texts;
}

const FONT_PX = [13, 11]; // on screen: the normal size, then the smallest still readable
const PAD_PX = 3;
const RINGS = 6; // how far from its box a label may go (in label heights), with a leader line

const overlaps = (a, b) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Where a label of size w x h may go: touching its box (above, below, inside its top,
 * beside it), then in rings farther out; each slid inside the photo. */
function spots(box, w, h, photo, gap) {
  const xs = [box.x, box.x + (box.w - w) / 2, box.x + box.w - w];
  const raw = [
    ...xs.map((x) => [x, box.y - h - gap]),
    ...xs.map((x) => [x, box.y + box.h + gap]),
    [box.x + gap, box.y + gap],
    [box.x + box.w + gap, box.y],
    [box.x - w - gap, box.y],
  ];
  const [cx, cy] = [box.x + box.w / 2 - w / 2, box.y + box.h / 2 - h / 2];
  for (let ring = 1; ring <= RINGS; ring += 1) {
    const [rx, ry] = [box.w / 2 + ring * h + w / 2, box.h / 2 + ring * h + h / 2];
    for (let step = 0; step < 8 * ring; step += 1) {
      const angle = (2 * Math.PI * step) / (8 * ring);
      raw.push([cx + rx * Math.cos(angle), cy + ry * Math.sin(angle)]);
    }
  }
  return raw.map(([x, y]) => ({
    x: Math.min(Math.max(x, 0), photo.w - w),
    y: Math.min(Math.max(y, 0), photo.h - h),
    w,
    h,
  }));
}

function labelElement(text, fontSize, pad) {
  const group = document.createElementNS(SVG, "g");
  group.setAttribute("class", "face-label");
  const chip = document.createElementNS(SVG, "rect");
  const label = document.createElementNS(SVG, "text");
  label.setAttribute("font-size", fontSize);
  label.setAttribute("dominant-baseline", "hanging");
  label.textContent = text;
  group.append(chip, label);
  return { group, chip, label, pad };
}

/** A line from a label that had to move away to its box's nearest edge. */
function leader(spot, box) {
  const [lx, ly] = [spot.x + spot.w / 2, spot.y + spot.h / 2];
  const line = document.createElementNS(SVG, "line");
  const x2 = Math.min(Math.max(lx, box.x), box.x + box.w);
  const y2 = Math.min(Math.max(ly, box.y), box.y + box.h);
  Object.entries({ x1: lx, y1: ly, x2, y2, class: "leader" })
    .forEach(([k, v]) => line.setAttribute(k, v));
  return line;
}

const touches = (spot, box, gap) =>
  overlaps(spot, { x: box.x - 2 * gap, y: box.y - 2 * gap, w: box.w + 4 * gap, h: box.h + 4 * gap });

/** Put the label at the first free spot: no other label under it, and, if possible, no other
 * face either; else a shorter text or a smaller font. Returns false when nothing fits. */
function place(layout, face, texts) {
  const { labels, leaders, placed, boxes, photo, scale } = layout;
  for (const text of texts) {
    for (const px of FONT_PX) {
      const element = labelElement(text, px / scale, PAD_PX / scale);
      labels.append(element.group);
      const size = element.label.getBBox();
      const w = size.width + 2 * element.pad;
      const h = size.height + 2 * element.pad;
      const candidates = w <= photo.w && h <= photo.h
        ? spots(face.box, w, h, photo, element.pad) : [];
      const free = candidates.filter((spot) => !placed.some((other) => overlaps(spot, other)));
      const spot = free.find((s) => !boxes.some((b) => b !== face.box && overlaps(s, b)))
        || free[0];
      if (spot) {
        Object.entries({ x: spot.x, y: spot.y, width: w, height: h })
          .forEach(([k, v]) => element.chip.setAttribute(k, v));
        element.label.setAttribute("x", spot.x + element.pad);
        element.label.setAttribute("y", spot.y + element.pad);
        if (!touches(spot, face.box, element.pad)) leaders.append(leader(spot, face.box));
        placed.push(spot);
        return true;
      }
      element.group.remove();
    }
  }
  return false;
}

/** Box every face of `faces` (already ordered) on the photo `img` in the overlay `svg`. The
 * number on each box is its row in the faces table, where every face is named in full. */
export function drawFaces(img, svg, faces) {
  svg.replaceChildren();
  const photo = { w: img.naturalWidth, h: img.naturalHeight };
  svg.setAttribute("viewBox", `0 0 ${photo.w} ${photo.h}`);
  const scale = (img.clientWidth || photo.w) / photo.w; // screen pixels per photo pixel
  const boxes = faces.map((face) => face.box);
  faces.forEach((face) => {
    const { x, y, w, h } = face.box;
    const rect = document.createElementNS(SVG, "rect");
    Object.entries({ x, y, width: w, height: h }).forEach(([k, v]) => rect.setAttribute(k, v));
    rect.setAttribute("class", isUnknown(face) ? "face-box unknown" : "face-box");
    svg.append(rect);
  });
  const leaders = document.createElementNS(SVG, "g");
  const labels = document.createElementNS(SVG, "g");
  svg.append(leaders, labels);
  const layout = { labels, leaders, placed: [], boxes, photo, scale };
  const crowd = faces.length > FULL_SENTENCE_UP_TO;
  faces.forEach((face, index) => place(layout, face, labelTexts(face, index + 1, crowd)));
}

/** Redraw when the photo's displayed size changes: label sizes are in screen pixels. */
export function keepDrawn(img, svg, faces) {
  const draw = () => drawFaces(img, svg, faces);
  img.drawObserver?.disconnect();
  img.drawObserver = new ResizeObserver(() => img.naturalWidth && draw());
  if (img.complete && img.naturalWidth) draw();
  else img.onload = draw;
  img.drawObserver.observe(img);
}

/** One row per face: its number on the photo, who, the percentage (named only), why not. */
export function fillFacesTable(table, faces) {
  const body = table.tBodies[0];
  body.replaceChildren();
  faces.forEach((face, index) => {
    const row = body.insertRow();
    row.className = isUnknown(face) ? "unknown" : "named";
    row.insertCell().textContent = String(index + 1);
    row.insertCell().textContent = displayName(face.label);
    const score = row.insertCell();
    score.className = "num";
    score.textContent = isUnknown(face) ? "" : certainty(face);
    row.insertCell().textContent = isUnknown(face) ? reasonWords(face) : "";
  });
}
