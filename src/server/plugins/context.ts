/**
 * @module server/plugins/context
 * What the HTTP plugins share: the pieces of the running analyser they are given as options, the
 * error shape every route answers with (`{"error": {"code", "message"}}`), and the auth hook each
 * plugin installs with its own policy.
 */
import type { FastifyPluginAsync, FastifyPluginOptions, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Auth } from '../auth.js';
import type { ServerMetrics } from '../metrics.js';
import type { IngestPipeline } from '../pipeline.js';
import type { Suppressions } from '../suppressions.js';
import type { Store } from '../../store/store.js';

export interface ServerContext {
  auth: Auth;
  store: Store;
  metrics: ServerMetrics;
  pipeline: IngestPipeline;
  suppressions: Suppressions;
  /** Body limit of the ingest routes, in bytes. */
  maxBodyBytes: number;
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, details?: string[]): FastifyReply {
  return reply.code(status).send({ error: { code, message, ...(details?.length ? { details } : {}) } });
}

/** Plugins whose hooks and routes apply to the whole server (fastify's skip-override). */
export function global<T extends FastifyPluginOptions>(plugin: FastifyPluginAsync<T>): FastifyPluginAsync<T> {
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The auth hook: the bearer token, or (where `session` is allowed: the dashboard's routes) the
 * session cookie. A cookie-authenticated write must come from this origin (SameSite=Strict
 * already keeps other sites' requests cookieless; this covers browsers that ignore it).
 */
export function requireAuth(auth: Auth, policy: { session: boolean }): onRequestHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (auth.checkBearer(request.headers.authorization)) return;
    if (policy.session && auth.checkSession(request.headers.cookie)) {
      const origin = request.headers.origin;
      if (!UNSAFE.has(request.method) || origin === undefined || origin === `${request.protocol}://${request.host}`) return;
      return sendError(reply, 403, 'VIGIL_ERR_CROSS_ORIGIN', 'a write with a session cookie must come from the dashboard itself');
    }
    reply.header('www-authenticate', 'Bearer realm="vigil"');
    return sendError(reply, 401, 'VIGIL_ERR_UNAUTHORIZED', policy.session ? 'a bearer token or a dashboard session is required' : 'a bearer token is required');
  };
}
