/**
 * @module detections/node/lib/mining
 * The signs that a command mines cryptocurrency, kept apart so that the three miner alert types
 * can each rest on their own evidence:
 *  - identity: the program is a known miner (miner-binaries), or its arguments are a miner's —
 *    miner-only options (miner-options), a wallet as the pool user, `-o host:port -u user`;
 *  - destination: a stratum URL, or a known pool host (mining-pools, label-boundary suffix match).
 */
import type { IndicatorEntry, Indicators } from '../../../indicators/indicators.js';
import { hostInList } from './download.js';
import { nameMatcher, namesOf, type Command, type ProcessView } from './tools.js';

export interface MiningSigns {
  command: Command;
  /** The program is a known miner. */
  miner?: IndicatorEntry;
  /** A stratum URL among the arguments. */
  stratum?: string;
  /** A known pool host among the arguments (as host, host:port or URL). */
  poolHost?: string;
  /** The pool host was given as the pool to use (-o / --url / stratum URL). */
  poolIsTarget: boolean;
  /** Miner-only options seen (an algorithm given with -a/--algo counts as one). */
  options: string[];
  /** A wallet-shaped value given as the pool user (-u / --user / --wallet). */
  wallet?: string;
  /** `-o host:port` (or --url) together with `-u user`: the way every pool client is started. */
  endpointWithUser: boolean;
}

const NOT_MINERS = new Set(['curl', 'wget', 'ssh', 'scp', 'rsync', 'grep', 'egrep', 'fgrep', 'rg', 'kill', 'pkill', 'killall', 'pgrep', 'echo', 'printf', 'cat', 'sed', 'awk', 'find', 'ls', 'rm']);
const POOL_OPTIONS = new Set(['-o', '--url', '-url', '--pool', '--server']);
const USER_OPTIONS = new Set(['-u', '--user', '--userpass', '-O', '--wallet', '-w']);
const ALGO_OPTIONS = new Set(['-a', '--algo', '--algorithm']);
const MAX_ARGS = 256;

/** Monero (standard, subaddress, integrated), Bitcoin (bech32, legacy) and Ethereum address shapes. */
const WALLETS = [/^[48][1-9A-HJ-NP-Za-km-z]{94}$/, /^4[1-9A-HJ-NP-Za-km-z]{105}$/, /^bc1[02-9ac-hj-np-z]{38,58}$/, /^[13][1-9A-HJ-NP-Za-km-z]{25,33}$/, /^0x[0-9a-fA-F]{40}$/];
const STRATUM = /stratum[12]?(\+(tcp|ssl|tls))?:\/\//;

/** `COIN:WALLET.worker+diff` → WALLET, when the middle looks like an address. */
export function walletIn(value: string): string | undefined {
  if (value.length > 256) return undefined;
  let v = value;
  const colon = v.lastIndexOf(':');
  if (colon >= 0) v = v.slice(colon + 1);
  for (const sep of ['.', '+', '/']) {
    const i = v.indexOf(sep);
    if (i > 0) v = v.slice(0, i);
  }
  return WALLETS.some((re) => re.test(v)) ? v : undefined;
}

/** The host of `host:port`, `scheme://host:port/…` or `host`, lower-cased. */
function hostOf(token: string): string {
  let t = token.toLowerCase();
  const sep = t.indexOf('://');
  if (sep >= 0) t = t.slice(sep + 3);
  const at = t.indexOf('@');
  if (at >= 0) t = t.slice(at + 1);
  for (const ch of ['/', ':', '?']) {
    const i = t.indexOf(ch);
    if (i >= 0) t = t.slice(0, i);
  }
  return t;
}

function isHostPort(value: string): boolean {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return false;
  const port = value.slice(colon + 1);
  return /^[0-9]{2,5}$/.test(port) && /^[A-Za-z0-9.-]+$/.test(value.slice(0, colon));
}

function signsOf(command: Command, indicators: Indicators): MiningSigns | undefined {
  if (NOT_MINERS.has(command.name)) return undefined;
  const matcher = nameMatcher(indicators.list('miner-binaries'), 'programs', (e) => e.kind !== 'installer');
  let miner: IndicatorEntry | undefined;
  for (const name of namesOf(command)) miner ??= matcher.match(name);
  const pools = indicators.list('mining-pools');
  const options = indicators.list('miner-options');
  const signs: MiningSigns = { command, miner, poolIsTarget: false, options: [], endpointWithUser: false };
  let endpoint = false;
  let user = false;
  const args = command.args.length > MAX_ARGS ? command.args.slice(0, MAX_ARGS) : command.args;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const eq = raw.startsWith('-') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = eq > 0 ? raw.slice(eq + 1) : args[i + 1];
    if (raw.includes('tratum') || raw.includes('TRATUM')) {
      if (STRATUM.test(raw.slice(0, 2048).toLowerCase())) {
        signs.stratum ??= raw;
        signs.poolIsTarget = true;
        endpoint = true;
      }
    }
    if (raw.includes('.') && (raw.includes('://') || raw.includes(':') || raw.includes('=') || /^[A-Za-z0-9]/.test(raw))) {
      const host = hostOf((eq > 0 ? raw.slice(eq + 1) : raw).slice(0, 2048));
      if (host && hostInList(host, pools)) {
        signs.poolHost ??= host;
        const prev = args[i - 1];
        if ((prev !== undefined && POOL_OPTIONS.has(prev)) || (eq > 0 && POOL_OPTIONS.has(flag)) || signs.stratum === raw) signs.poolIsTarget = true;
      }
    }
    if (!raw.startsWith('-')) continue;
    if (options.values.has(flag.toLowerCase()) && !signs.options.includes(flag)) signs.options.push(flag);
    if (ALGO_OPTIONS.has(flag) && value !== undefined && options.values.has(value.toLowerCase())) signs.options.push(`${flag} ${value}`);
    if (POOL_OPTIONS.has(flag) && value !== undefined && (isHostPort(value) || STRATUM.test(value.toLowerCase()))) endpoint = true;
    if (USER_OPTIONS.has(flag) && value !== undefined) {
      user = true;
      signs.wallet ??= walletIn(value);
    }
  }
  signs.endpointWithUser = endpoint && user;
  const any = signs.miner || signs.stratum || signs.poolHost || signs.options.length || signs.wallet || signs.endpointWithUser;
  return any ? signs : undefined;
}

/** The mining signs of every command of the process that shows any (kept with its view). */
export function miningSignsOf(view: ProcessView, indicators: Indicators): MiningSigns[] {
  let list = view.memo.mining as MiningSigns[] | undefined;
  if (list) return list;
  list = [];
  for (const command of view.commands) {
    const s = signsOf(command, indicators);
    if (s) list.push(s);
  }
  view.memo.mining = list;
  return list;
}

/**
 * Started the way miners are started: a stratum URL, a wallet as pool user, `-o host:port -u
 * user`, a known pool given as the pool, or two miner-only options.
 */
export function startedLikeAMiner(s: MiningSigns): boolean {
  return s.stratum !== undefined || s.wallet !== undefined || s.endpointWithUser || (s.poolHost !== undefined && s.poolIsTarget) || s.options.length >= 2;
}

/** Something in the command says "miner": its name, a miner-only option, a wallet, pool+user. */
export function minerIdentity(s: MiningSigns): string | undefined {
  if (s.miner) return `miner program ${s.miner.value}`;
  if (s.wallet) return `wallet ${s.wallet.slice(0, 12)}…`;
  if (s.options.length) return `miner option ${s.options[0]}`;
  if (s.endpointWithUser) return 'pool endpoint with a pool user (-o host:port -u user)';
  return undefined;
}

/** Where it mines: a stratum URL or a known pool host. */
export function poolDestination(s: MiningSigns): string | undefined {
  return s.stratum ?? s.poolHost;
}

/** Reasons a command was started like a miner, for descriptions. */
export function minerArgumentReasons(s: MiningSigns): string {
  const reasons: string[] = [];
  if (s.stratum) reasons.push(`stratum URL ${s.stratum}`);
  if (s.poolHost && s.poolIsTarget && !s.stratum) reasons.push(`pool ${s.poolHost}`);
  if (s.wallet) reasons.push(`wallet-shaped pool user ${s.wallet.slice(0, 12)}…`);
  if (s.endpointWithUser && !s.stratum) reasons.push('-o host:port with -u user');
  if (s.options.length) reasons.push(`miner options ${s.options.slice(0, 4).join(', ')}`);
  return reasons.join('; ');
}

/** Stratum ports of the pools (mining-pools entries of kind port). */
export function isStratumPort(port: number | undefined, indicators: Indicators): boolean {
  return port !== undefined && indicators.list('mining-pools').values.has(String(port));
}
