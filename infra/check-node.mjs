// Refuses, with a message that says what to do, a Node.js that package.json's
// engines.node does not allow. `make lint` runs it first: Redocly CLI on an
// unsupported Node only warns and may then fail in ways that do not name the
// cause, and `npm ci` (engine-strict in .npmrc) checks only when it installs.
//
//   node infra/check-node.mjs [version]   (default: this Node's own)
//
// It reads the ranges package.json uses, ">=A.B.C <X.Y.Z" joined by "||",
// and no more of semver: Node has no semver of its own, and this check runs
// before npm has installed anything.
import { readFileSync } from "node:fs";

const manifest = new URL("../package.json", import.meta.url);
const range = JSON.parse(readFileSync(manifest, "utf8")).engines?.node;
if (!range) {
  console.error("check-node: package.json has no engines.node");
  process.exit(1);
}
const version = (process.argv[2] ?? process.versions.node).replace(/^v/, "");

const parse = (v) => v.split(".").map(Number);
const compare = (a, b) => a.map((n, i) => n - b[i]).find((d) => d !== 0) ?? 0;

const allows = (alternative) =>
  alternative.trim().split(/\s+/).every((bound) => {
    const m = /^(>=|<)(\d+\.\d+\.\d+)$/.exec(bound);
    if (!m) {
      console.error(`check-node: engines.node bound "${bound}" is not of the form >=A.B.C or <A.B.C`);
      process.exit(1);
    }
    const d = compare(parse(version), parse(m[2]));
    return m[1] === ">=" ? d >= 0 : d < 0;
  });

if (!/^\d+\.\d+\.\d+$/.test(version) || !range.split("||").some(allows)) {
  console.error(`check-node: make lint needs Node.js ${range} (package.json engines.node); this is ${version}.`);
  process.exit(1);
}
