/**
 * The dashboard restates the alert contract for the browser (it cannot import server modules);
 * this check fails to compile, and so fails the build, the day the two drift apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert as ServerAlert } from '../alerts/alert.js';
import type { Alert as DashboardAlert } from './dashboard/types.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

test("the dashboard's alert type is the alert contract", () => {
  const same: Same<ServerAlert, DashboardAlert> = true;
  assert.equal(same, true);
});
