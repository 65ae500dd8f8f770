// Builds crates/server/assets/world.tsv: one line per country, `ALPHA2<TAB>SVG path`,
// the outlines of the web UI's map (/ui/map). Run once, when the source changes:
//
//   cd scripts/world-map && npm ci && node build.mjs
//
// Source: Natural Earth 1:50m Admin 0 countries (public domain), version 4.1.0, as the
// TopoJSON of the npm package world-atlas 2.0.2 (pinned in package-lock.json). Country ids
// there are ISO 3166-1 numeric; i18n-iso-countries maps them to alpha-2 (features without
// an id are matched by name). Each arc is simplified (Douglas–Peucker, tolerance TOLERANCE
// map units; arcs' end points are kept so neighbours still share their borders), rings
// that cross the antimeridian are cut there, and coordinates are projected with the
// Natural Earth I projection into a 1000 × 520 box, rounded to one decimal.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import countries from "i18n-iso-countries";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "crates", "server", "assets", "world.tsv");
const source = join(here, "node_modules", "world-atlas", "countries-50m.json");
const WIDTH = 1000;
const TOLERANCE = 0.35;

// Features Natural Earth leaves without an ISO numeric id, by name.
// (null: no country of its own in ISO 3166-1 as one shape: left out.)
const BY_NAME = {
  Kosovo: "XK",
  "N. Cyprus": null,
  Somaliland: null,
  "Siachen Glacier": null,
  "Indian Ocean Ter.": null,
};

const topology = JSON.parse(readFileSync(source, "utf8"));
const [sx, sy] = topology.transform.scale;
const [tx, ty] = topology.transform.translate;

/** Natural Earth I: longitude and latitude in degrees to unscaled x, y. */
function naturalEarth(lon, lat) {
  const l = (lon * Math.PI) / 180;
  const p = (lat * Math.PI) / 180;
  const p2 = p * p;
  const p4 = p2 * p2;
  const x = l * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)));
  const y = p * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)));
  return [x, y];
}

// The projection's extent (longitude ±180, latitude ±90) sets the scale.
const [maxX] = naturalEarth(180, 0);
const [, maxY] = naturalEarth(0, 90);
const scale = WIDTH / (2 * maxX);
const HEIGHT = Math.ceil(2 * maxY * scale);

function project([lon, lat]) {
  const [x, y] = naturalEarth(lon, lat);
  return [(x + maxX) * scale, (maxY - y) * scale];
}

/** Squared distance from p to the segment a–b. */
function segmentDistance2(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  const ex = a[0] + t * dx - p[0];
  const ey = a[1] + t * dy - p[1];
  return ex * ex + ey * ey;
}

/** Douglas–Peucker: the points of `line` to keep, end points always kept. */
function simplify(line) {
  if (line.length <= 2) return line;
  const keep = new Uint8Array(line.length);
  keep[0] = 1;
  keep[line.length - 1] = 1;
  const stack = [[0, line.length - 1]];
  const limit = TOLERANCE * TOLERANCE;
  while (stack.length) {
    const [first, last] = stack.pop();
    let worst = -1;
    let index = -1;
    for (let i = first + 1; i < last; i += 1) {
      const d = segmentDistance2(line[i], line[first], line[last]);
      if (d > worst) {
        worst = d;
        index = i;
      }
    }
    if (worst > limit) {
      keep[index] = 1;
      stack.push([first, index], [index, last]);
    }
  }
  return line.filter((_, i) => keep[i]);
}

// Every arc decoded (delta-encoded, quantized) to longitude/latitude and simplified once,
// in projected units (so the tolerance is the same everywhere on the map).
const arcs = topology.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  const points = arc.map(([dx, dy]) => {
    x += dx;
    y += dy;
    return [x * sx + tx, y * sy + ty];
  });
  const projected = points.map((p, i) => [...project(p), i]);
  return simplify(projected).map((p) => points[p[2]]);
});

/** The points (longitude, latitude) of a ring: its arcs in order, ~i meaning arc i reversed. */
function ring(indexes) {
  const points = [];
  for (const i of indexes) {
    const arc = i < 0 ? [...arcs[~i]].reverse() : arcs[i];
    points.push(...(points.length ? arc.slice(1) : arc));
  }
  return points;
}

/** The part of a ring on one side of the meridian `at` (Sutherland–Hodgman). */
function clip(points, at, keepWest) {
  const inside = (p) => (keepWest ? p[0] <= at : p[0] >= at);
  const out = [];
  for (let i = 0; i < points.length; i += 1) {
    const a = points[i];
    const b = points[(i + 1) % points.length];
    if (inside(a)) out.push(a);
    if (inside(a) !== inside(b)) {
      const t = (at - a[0]) / (b[0] - a[0]);
      out.push([at, a[1] + t * (b[1] - a[1])]);
    }
  }
  return out;
}

/**
 * A ring as drawn on a map cut at ±180°: a ring that crosses the antimeridian (Russia's
 * Chukotka, Fiji) is unwrapped to continuous longitudes and cut in two there; a ring
 * around a pole (Antarctica) is left as it is.
 */
function cut(points) {
  const unwrapped = [points[0]];
  let shift = 0;
  for (let i = 1; i < points.length; i += 1) {
    const step = points[i][0] - points[i - 1][0];
    if (step > 180) shift -= 360;
    if (step < -180) shift += 360;
    unwrapped.push([points[i][0] + shift, points[i][1]]);
  }
  if (shift !== 0) return [points]; // around a pole: the ring closes only after 360°
  const xs = unwrapped.map((p) => p[0]);
  const [west, east] = [Math.min(...xs), Math.max(...xs)];
  if (east <= 180 && west >= -180) return [unwrapped];
  const edge = east > 180 ? 180 : -180;
  const wrap = edge === 180 ? -360 : 360;
  const near = clip(unwrapped, edge, edge === 180);
  const far = clip(unwrapped, edge, edge !== 180).map(([x, y]) => [x + wrap, y]);
  return [near, far].filter((r) => r.length >= 3);
}

/** A ring as SVG path data, or "" when it is smaller than a tenth of a unit across. */
function ringPath(lonLat) {
  const points = lonLat.map(project);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const size = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  if (points.length < 3 || size < 0.1) return "";
  const r = (n) => (Math.round(n * 10) / 10).toString();
  let d = `M${r(points[0][0])} ${r(points[0][1])}`;
  for (const p of points.slice(1)) d += `L${r(p[0])} ${r(p[1])}`;
  return `${d}Z`;
}

const shapes = new Map();
for (const g of topology.objects.countries.geometries) {
  const name = g.properties && g.properties.name;
  const code = g.id !== undefined ? countries.numericToAlpha2(g.id) : BY_NAME[name];
  if (code === undefined) throw new Error(`no ISO code for ${name} (${g.id})`);
  if (!code) continue; // not a country of ISO 3166-1
  const polygons = g.type === "Polygon" ? [g.arcs] : g.type === "MultiPolygon" ? g.arcs : [];
  const d = polygons
    .flatMap((rings) => rings.flatMap((r) => cut(ring(r)).map(ringPath)))
    .join("");
  if (d) shapes.set(code, (shapes.get(code) || "") + d);
}

const lines = [...shapes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([c, d]) => `${c}\t${d}`);
const header = [
  "# Country outlines for ace's map (/ui/map), generated by scripts/world-map/build.mjs: do not edit.",
  "# Source: Natural Earth 1:50m Admin 0 countries v4.1.0 (public domain, naturalearthdata.com),",
  "# via the npm package world-atlas 2.0.2; Natural Earth I projection, simplified.",
  `# viewBox 0 0 ${WIDTH} ${HEIGHT}`,
];
writeFileSync(out, `${header.join("\n")}\n${lines.join("\n")}\n`);
console.log(`${shapes.size} countries, ${WIDTH}x${HEIGHT}, written to ${out}`);
