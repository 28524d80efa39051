#!/usr/bin/env node
/* global fetch, console, process */
// Refreshes data/indicators/tor-exit-nodes.txt from the Tor Project's own exit lists: the bulk
// exit list and the exit scanner's exit-addresses (their union). Needs internet access and a built
// tree (`npm run build`): the parsing lives in src/indicators/tor.ts, tested offline.
//   node scripts/refresh-tor-exits.mjs [--merge]
// --merge keeps the addresses already in the file (the Tor lists are IPv4 only; the shipped file
// also holds IPv6 exits from another source, see data/indicators/README.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { parseBulkExitList, parseExitAddresses, renderAddressList } = await import(join(root, 'dist/src/indicators/tor.js'));
const { IpSet } = await import(join(root, 'dist/src/indicators/ip.js'));
const target = join(root, 'data/indicators/tor-exit-nodes.txt');
const SOURCES = [
  ['https://check.torproject.org/torbulkexitlist', parseBulkExitList],
  ['https://check.torproject.org/exit-addresses', parseExitAddresses],
];

const lists = [];
for (const [url, parse] of SOURCES) {
  const response = await fetch(url, { headers: { 'user-agent': 'vigil-refresh-tor-exits' } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const parsed = parse(await response.text());
  if (parsed.addresses.length === 0) throw new Error(`${url}: no addresses (format changed?); file left as it was`);
  for (const r of parsed.rejected.slice(0, 5)) console.error(`${url}:${r.line}: not an address: ${r.text}`);
  console.error(`${url}: ${parsed.addresses.length} addresses`);
  lists.push(parsed.addresses);
}
if (process.argv.includes('--merge')) {
  const kept = readFileSync(target, 'utf8').split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  lists.push(kept);
}
const header = [`Tor exit addresses, ${new Date().toISOString()}`, ...SOURCES.map(([url]) => `source: ${url}`)];
const text = renderAddressList(header, ...lists);
const check = IpSet.parse(text);
if (check.rejected.length) throw new Error(`refusing to write: ${check.rejected.length} unreadable lines`);
writeFileSync(target, text);
console.error(`${target}: ${check.size} addresses`);
