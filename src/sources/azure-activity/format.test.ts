import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CloudActivityEvent } from '../../events/model.js';
import { packageRoot } from '../../util/paths.js';
import { decodeFile } from '../wrapped/testing.js';
import azureActivity from './format.js';

test('Activity Log export records: managed identities named from xms_mirid, users from their UPN', async () => {
  const { format, events, issues } = await decodeFile(join(packageRoot(), 'src', 'detections', 'control-plane', 'abnormal-mi-activity.context.jsonl'));
  assert.equal(format, 'azure-activity');
  assert.deepEqual(issues, []);
  const activity = events as CloudActivityEvent[];
  const agic = activity[0]!;
  assert.equal(agic.operation, 'microsoft.network/applicationgateways/write');
  assert.equal(agic.identity.type, 'managed-identity');
  assert.equal(agic.identity.name, 'ingressapplicationgateway-aks-prod-01');
  assert.equal(agic.status, 'Start (Started.)');
  const user = activity.find((e) => e.identity.type === 'user')!;
  assert.equal(user.identity.name, 'ops-admin@contoso.example');
  assert.ok(activity.every((e) => e.id.length > 0 && e.provider === 'azure'));
  assert.equal(new Set(activity.map((e) => e.id)).size, activity.length, 'record ids are distinct');
});

test('the REST schema (az monitor activity-log list) and bad records, located', () => {
  const events: CloudActivityEvent[] = [];
  const issues: string[] = [];
  const decoder = azureActivity.open({ event: (e) => events.push(e as CloudActivityEvent), issue: (i) => issues.push(`${i.origin.line}: ${i.reason}`) }, {});
  const rest = {
    authorization: { action: 'Microsoft.Compute/virtualMachines/write', scope: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1' },
    caller: 'f1e2d3c4-0000-4000-8000-000000000001',
    category: { value: 'Administrative', localizedValue: 'Administrative' },
    claims: { 'http://schemas.microsoft.com/identity/claims/objectidentifier': 'f1e2d3c4-0000-4000-8000-000000000001', idtyp: 'app', appid: 'a1' },
    correlationId: 'c1',
    eventDataId: 'e1d2c3b4-0000-4000-8000-00000000e001',
    eventTimestamp: '2026-03-11T02:14:07.9Z',
    httpRequest: { clientIpAddress: '20.61.1.25', method: 'PUT' },
    operationName: { value: 'Microsoft.Compute/virtualMachines/write', localizedValue: 'Create or Update Virtual Machine' },
    resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
    status: { value: 'Failed', localizedValue: 'Failed' },
    subStatus: { value: 'Forbidden' },
  };
  decoder.line(JSON.stringify([rest, { ...rest, operationName: undefined }, { category: 'ServiceHealth', time: '2026-03-11T00:00:00Z' }, 7]), { file: 'f', line: 1 });
  assert.equal(events.length, 1);
  assert.deepEqual([events[0]!.id, events[0]!.identity.type, events[0]!.success, events[0]!.callerIp, events[0]!.status], ['e1d2c3b4-0000-4000-8000-00000000e001', 'service-principal', false, '20.61.1.25', 'Failed (Forbidden)']);
  assert.deepEqual(issues, ["1: [1]: record without an 'operationName'", '1: [3]: expected an Activity Log record, got number']);
});
