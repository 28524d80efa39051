/**
 * @module server/auth
 * Who may talk to the analyser: the bearer token (compared in constant time), or a session cookie
 * the dashboard gets once in exchange for the token (login form or the `?token=` link). Sessions
 * are random ids kept in memory (bounded, expiring); the cookie is HttpOnly, SameSite=Strict,
 * Secure under TLS. Without a token (--no-auth, loopback only) every request is let through.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'vigil_session';
const SESSION_TTL_MS = 12 * 3600_000;
const MAX_SESSIONS = 10_000;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class Auth {
  /** Session id (hashed) → expiry. */
  private readonly sessions = new Map<string, number>();

  constructor(
    /** undefined: auth off (loopback only, checked at start). */
    private readonly token: string | undefined,
    readonly secureCookies: boolean,
  ) {}

  get enabled(): boolean {
    return this.token !== undefined;
  }

  checkToken(given: string): boolean {
    return this.token === undefined || tokenMatches(given, this.token);
  }

  /** True for `Authorization: Bearer <token>` with the right token. */
  checkBearer(header: string | undefined): boolean {
    if (this.token === undefined) return true;
    if (!header || !/^bearer /i.test(header)) return false;
    return tokenMatches(header.slice(7).trim(), this.token);
  }

  checkSession(cookieHeader: string | undefined, now = Date.now()): boolean {
    if (this.token === undefined) return true;
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!id) return false;
    const key = digest(id).toString('hex');
    const expires = this.sessions.get(key);
    if (expires === undefined) return false;
    if (expires < now) {
      this.sessions.delete(key);
      return false;
    }
    return true;
  }

  /** A new session: its Set-Cookie header value. */
  createSession(now = Date.now()): string {
    if (this.sessions.size >= MAX_SESSIONS) {
      for (const [key, expires] of this.sessions) if (expires < now) this.sessions.delete(key);
      // Still full: the oldest session goes (Map keeps insertion order).
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(digest(id).toString('hex'), now + SESSION_TTL_MS);
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${this.secureCookies ? '; Secure' : ''}`;
  }

  /** Ends the session of this Cookie header; the Set-Cookie value that clears it. */
  endSession(cookieHeader: string | undefined): string {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (id) this.sessions.delete(digest(id).toString('hex'));
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${this.secureCookies ? '; Secure' : ''}`;
  }
}
