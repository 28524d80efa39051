/**
 * @module sources/linux-audit/keys
 * The audit rule keys Vigil's agent installs. They all start with `vigil` so that the agent can
 * remove exactly its own rules (`auditctl -D -k KEY`), and the decoder reads them to know which
 * rule matched when a syscall number is not in its tables.
 */

export const VIGIL_KEYS = {
  exec: 'vigil_exec',
  connect: 'vigil_connect',
  namespace: 'vigil_ns',
  credentials: 'vigil_cred',
  identity: 'vigil_identity',
  sudoers: 'vigil_sudoers',
  sshKeys: 'vigil_ssh',
  shellHistory: 'vigil_history',
  logTamper: 'vigil_log',
  kubeconfig: 'vigil_kubeconfig',
  timestamps: 'vigil_timestamp',
} as const;

export type VigilKey = (typeof VIGIL_KEYS)[keyof typeof VIGIL_KEYS];

export const ALL_VIGIL_KEYS: readonly VigilKey[] = Object.values(VIGIL_KEYS);

/** Keys whose rules watch files: their events are file accesses. */
export const FILE_KEYS: ReadonlySet<string> = new Set<string>([
  VIGIL_KEYS.credentials,
  VIGIL_KEYS.identity,
  VIGIL_KEYS.sudoers,
  VIGIL_KEYS.sshKeys,
  VIGIL_KEYS.shellHistory,
  VIGIL_KEYS.logTamper,
  VIGIL_KEYS.kubeconfig,
  VIGIL_KEYS.timestamps,
]);

/** A SYSCALL record's `key` → its keys: several keys are joined by 0x01 (and so hex-encoded). */
export function splitKeys(decoded: string | undefined): string[] {
  if (decoded === undefined || decoded === '(null)') return [];
  return decoded.split('\x01').filter((k) => k.length > 0);
}
