/**
 * @module server/plugins/dashboard
 * The dashboard: `GET /` (overview and alert list) and `GET /alerts/:id` (one alert) for a
 * signed-in browser, `GET /login` (asks for the token once; src/server/plugins/session.ts turns
 * it into the HttpOnly cookie), and `GET /assets/…` — the compiled browser code
 * (src/server/dashboard/*.ts), its stylesheet and icon, and `catalog.json` (alert types, titles
 * and MITRE tactics, for the filters and the tactic matrix). Assets are public: they are the open
 * source code, no data; every alert comes from the API, behind the session.
 *
 * Pages get the server's CSP plus Trusted Types (`require-trusted-types-for 'script'`, no
 * policy allowed): the browser itself refuses any string assigned to innerHTML and other HTML
 * sinks, so cluster data can only ever reach the page as text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { loadCatalog } from '../../catalog/catalog.js';
import { sourceDirOf } from '../../util/paths.js';
import { sendError, type ServerContext } from './context.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

export const DASHBOARD_CSP = `${CONTENT_SECURITY_POLICY}; require-trusted-types-for 'script'; trusted-types 'none'`;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** MITRE ATT&CK's order, with Microsoft's pre-/post-attack stages at their ends. */
const TACTIC_ORDER = [
  'Reconnaissance',
  'Probing',
  'InitialAccess',
  'Execution',
  'Persistence',
  'PrivilegeEscalation',
  'DefenseEvasion',
  'CredentialAccess',
  'Discovery',
  'LateralMovement',
  'Collection',
  'CommandAndControl',
  'Exfiltration',
  'Impact',
  'Exploitation',
  'Unknown',
];

interface Asset {
  body: string;
  type: string;
}

/** The catalogue as the browser needs it: types with title, severity, tactics; tactics in order. */
export function catalogSummary(): { tactics: string[]; types: { type: string; title: string; severity: string; tactics: string[] }[] } {
  const types = [...loadCatalog().values()].map((e) => ({ type: e.type, title: e.title, severity: e.severity, tactics: [...e.tactics] }));
  const rank = (t: string) => (TACTIC_ORDER.includes(t) ? TACTIC_ORDER.indexOf(t) : TACTIC_ORDER.length);
  const tactics = [...new Set(types.flatMap((t) => t.tactics))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { tactics, types };
}

/** Compiled browser code beside this module's compiled folder, static files beside its source. */
function loadAssets(): { assets: Map<string, Asset>; pages: { index: string; login: string } } {
  const compiled = fileURLToPath(new URL('../dashboard/', import.meta.url));
  const staticDir = join(sourceDirOf(import.meta.url), '..', 'dashboard', 'static');
  const scripts = existsSync(compiled) ? readdirSync(compiled).filter((f) => f.endsWith('.js')) : [];
  if (!scripts.includes('app.js')) throw new Error(`the dashboard's browser code is not built (no app.js in ${compiled}): run npm run build`);
  const assets = new Map<string, Asset>();
  for (const file of scripts) assets.set(file, { body: readFileSync(join(compiled, file), 'utf8'), type: CONTENT_TYPES['.js']! });
  for (const file of readdirSync(staticDir)) {
    const type = CONTENT_TYPES[extname(file)];
    if (type && extname(file) !== '.html') assets.set(file, { body: readFileSync(join(staticDir, file), 'utf8'), type });
  }
  assets.set('catalog.json', { body: JSON.stringify(catalogSummary()), type: CONTENT_TYPES['.json']! });
  return { assets, pages: { index: readFileSync(join(staticDir, 'index.html'), 'utf8'), login: readFileSync(join(staticDir, 'login.html'), 'utf8') } };
}

export const dashboardPlugin: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const { auth } = context;
  const { assets, pages } = loadAssets();
  const signedIn = (request: FastifyRequest) => auth.checkBearer(request.headers.authorization) || auth.checkSession(request.headers.cookie);
  const html = (reply: FastifyReply, body: string) => reply.header('cache-control', 'no-store').type(CONTENT_TYPES['.html']!).send(body);

  // Runs after the security plugin's hook (parents' hooks first) and tightens its CSP.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', DASHBOARD_CSP);
    return payload;
  });

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!signedIn(request)) return reply.header('cache-control', 'no-store').redirect(request.url === '/' ? '/login' : `/login?next=${encodeURIComponent(request.url)}`, 303);
    return html(reply, pages.index);
  };
  app.get('/', page);
  app.get('/alerts/:id', page);

  app.get('/login', async (request, reply) => {
    // Nothing to ask without auth, nor from a browser already signed in.
    if (!auth.enabled || auth.checkSession(request.headers.cookie)) return reply.redirect('/', 303);
    return html(reply, pages.login);
  });

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return sendError(reply, 404, 'VIGIL_ERR_NOT_FOUND', `no asset ${request.params.name}`);
    return reply.header('cache-control', 'no-cache').type(asset.type).send(asset.body);
  });
};
