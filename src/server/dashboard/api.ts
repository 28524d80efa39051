/**
 * @module dashboard/api
 * The dashboard's calls to the HTTP API, with the session cookie (same origin only). A 401 means
 * the session ended: back to the login page, remembering where the user was.
 */
import type { Alert, AlertPage, AlertStatus, CatalogSummary } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function loginUrl(): string {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401) {
    location.assign(loginUrl());
    throw new ApiError(401, 'VIGIL_ERR_UNAUTHORIZED', 'the session has ended');
  }
  if (!response.ok) {
    let error: { code?: unknown; message?: unknown } | undefined;
    try {
      error = ((await response.json()) as { error?: typeof error }).error;
    } catch {
      error = undefined;
    }
    throw new ApiError(response.status, typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`, typeof error?.message === 'string' ? error.message : response.statusText);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export function listAlerts(query: URLSearchParams): Promise<AlertPage> {
  return call<AlertPage>(`/v1/alerts?${query.toString()}`);
}

export function getAlert(id: string): Promise<Alert> {
  return call<Alert>(`/v1/alerts/${encodeURIComponent(id)}`);
}

export function changeStatus(id: string, change: { status: Exclude<AlertStatus, 'active'>; by: string; reason: string }): Promise<Alert> {
  return call<Alert>(`/v1/alerts/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
}

export function catalog(): Promise<CatalogSummary> {
  return call<CatalogSummary>('/assets/catalog.json');
}

export function logout(): Promise<void> {
  return call<void>('/v1/session', { method: 'DELETE' });
}
