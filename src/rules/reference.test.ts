/** docs/rules.md's field reference is what the event model gives, and every field is described. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DESCRIBED_PATHS, FIELDS } from '../events/fields.js';
import { DOC, withReference } from './reference.js';

test('the committed field reference is current (run npm run docs:fields)', () => {
  const text = readFileSync(DOC(), 'utf8');
  assert.equal(text, withReference(text));
});

test('no description is left over from a field the model no longer has', () => {
  const paths = new Set([...FIELDS.values()].flatMap((fields) => fields.map((f) => f.path)));
  assert.deepEqual(DESCRIBED_PATHS.filter((p) => !paths.has(p)), []);
});
