/**
 * @module server/plugins/security
 * Headers and error shape for every response: a strict Content-Security-Policy (the dashboard
 * loads only its own scripts and styles, nothing inline), no framing, no sniffing, no referrer,
 * no caching of API answers. No CORS: no Access-Control-* header is ever sent, so browsers keep
 * other sites from reading anything. Errors and unknown routes answer `{"error": {code, message}}`.
 */
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { global, sendError } from './context.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export const securityPlugin: FastifyPluginAsync = global(async (app) => {
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(HEADERS)) reply.header(name, value);
    if (request.url.startsWith('/v1/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status === 500) app.log.error(error);
    return sendError(reply, status, error.code?.startsWith('FST_') || error.code?.startsWith('VIGIL_') ? error.code : status === 500 ? 'VIGIL_ERR_INTERNAL' : 'VIGIL_ERR_REQUEST', status === 500 ? 'internal error' : error.message);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'VIGIL_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
});
