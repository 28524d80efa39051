/**
 * K8S.NODE_SuspectUserAddition — useradd/adduser (shadow-utils, Debian adduser, busybox adduser)
 * used the way intruders add a backdoor account: a second uid 0 (`-o -u 0`), membership of a
 * root-equivalent group (sudo, wheel, root, docker… — data/indicators/privileged-groups.yaml),
 * a password given as a ready-made hash (`-p '$6$…'`), a name that imitates a system account
 * (r00t, root2, daem0n — data/indicators/system-accounts.yaml), or any account added by a
 * network service or a shell it spawned (a web shell: data/indicators/network-services.yaml).
 * Also an account line written straight into /etc/passwd (`echo 'x:…:0:0::/root:/bin/bash' >>
 * /etc/passwd`, `tee -a /etc/passwd`).
 *
 * Not this: plain `useradd -m deploy` by an administrator; package maintainer scripts creating
 * system users (`adduser --system --group …` under dpkg/rpm); cloud provisioning agents creating
 * the default user; image builds (RUN useradd under buildkit/buildah — the build itself is
 * K8S.NODE_ImageBuildOnNode). `-p '!'`/`'*'` locks the password and is not a preset password.
 * usermod is left to the password-change and privileged-group detections of other types.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import type { ProcessExecEvent } from '../../events/model.js';
import { accountName, invocationsOf, listValues, nodeFinding, normalizePath, optionValue, positionals, runBy, underProvisioning, type Invocation } from './lib/files.js';

const ADDERS = new Set(['useradd', 'adduser', 'luseradd']);
const LOCK_MARKERS = new Set(['', '!', '!!', '*', '!*', 'x']);

/** r00t → root, daem0n → daemon, root2 → root: what a name looks like to a reader. */
function lookalikeOf(name: string, ctx: DetectionContext): string | undefined {
  const system = listValues(ctx.indicators, 'system-accounts');
  if (system.has(name)) return undefined;
  const deleet = name.replace(/0/g, 'o').replace(/1/g, 'l').replace(/3/g, 'e').replace(/5/g, 's').replace(/\$/g, 's');
  if (deleet !== name && system.has(deleet)) return deleet;
  const trimmed = name.replace(/[-_.]?\d{1,3}$/, '').replace(/^_/, '');
  if (trimmed !== name && system.has(trimmed)) return trimmed;
  if (system.has(deleet.replace(/l/g, 'i'))) return deleet.replace(/l/g, 'i');
  return undefined;
}

function reasons(inv: Invocation, event: ProcessExecEvent, ctx: DetectionContext): { account: string; why: string[] } | undefined {
  const { program, args } = inv;
  if (program === 'busybox' ? !ADDERS.has(args[0] ?? '') : !ADDERS.has(program)) return undefined;
  const argv = program === 'busybox' ? args.slice(1) : args;
  const why: string[] = [];
  const uid = optionValue(argv, ['-u'], ['--uid']);
  const duplicate = argv.includes('-o') || argv.includes('--non-unique');
  if (uid !== undefined && /^0+$/.test(uid)) why.push(duplicate ? 'a second account with uid 0 (-o -u 0)' : 'uid 0');
  const privileged = listValues(ctx.indicators, 'privileged-groups');
  const names = positionals(argv, new Set(['-p', '--password', '-u', '--uid', '-g', '--gid', '-G', '--groups', '-d', '--home', '--home-dir', '-s', '--shell', '-c', '--comment', '-e', '-f', '-k', '-K', '-R', '-P', '--ingroup', '--gecos', '--conf', '-h']));
  // adduser USER GROUP adds an existing user to a group
  const groupsGiven = [optionValue(argv, ['-G'], ['--groups']), optionValue(argv, program === 'busybox' ? [] : ['-g'], ['--gid', '--ingroup']), program !== 'useradd' && names.length === 2 ? names[1] : undefined];
  const groups = groupsGiven.flatMap((g) => (g ? g.split(',') : [])).filter((g) => privileged.has(g.trim().toLowerCase()));
  if (groups.length) why.push(`member of ${groups.join(', ')}`);
  const hash = optionValue(argv, ['-p'], ['--password']);
  if (program !== 'adduser' && hash !== undefined && !LOCK_MARKERS.has(hash)) why.push('a preset password hash');
  const account = (program !== 'useradd' && names.length === 2 ? names[0] : accountName(argv)) ?? '(unknown)';
  const lookalike = lookalikeOf(account.toLowerCase(), ctx);
  if (lookalike) why.push(`a name imitating the system account ${lookalike}`);
  if (runBy(event, listValues(ctx.indicators, 'network-services'))) why.push('added by a network service');
  return why.length ? { account, why } : undefined;
}

/** `echo 'x:…' >> /etc/passwd`, `tee -a /etc/passwd`: an account line written directly. */
function directWrite(inv: Invocation, cwd: string | undefined): boolean {
  const isPasswd = (p: string): boolean => normalizePath(p, cwd).path === '/etc/passwd';
  if (inv.redirects.some((r) => r.op !== '<' && isPasswd(r.target))) return true;
  return inv.program === 'tee' && positionals(inv.args).some(isPasswd);
}

export default defineDetection({
  type: 'K8S.NODE_SuspectUserAddition',
  kinds: ['process.exec'],
  summary: 'Account {account} was added with {why} by {process} in {place}.',
  screen: {
    // useradd/luseradd/adduser (busybox's too); a line written into /etc/passwd (its file name)
    anyOf: ['useradd', 'adduser', 'passwd'],
  },
  detect(event, ctx) {
    if (underProvisioning(event, ctx.indicators) || runBy(event, listValues(ctx.indicators, 'image-builders'))) return undefined;
    for (const inv of invocationsOf(event.process)) {
      const found = reasons(inv, event, ctx);
      if (found) return nodeFinding(event, { account: found.account, why: found.why.join(', ') }, found.account);
      if (directWrite(inv, event.process.cwd)) return nodeFinding(event, { account: '(written into /etc/passwd)', why: 'a line appended directly to /etc/passwd' }, 'passwd', '/etc/passwd');
    }
    return undefined;
  },
});
