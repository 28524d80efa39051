/** Image references as the runtimes read them, and the three ways detections match them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containsSegments, endsWithSegments, matchesRepository, parseImageRef, parseRepositoryPattern } from './image-ref.js';

test('image references: Docker Hub defaults and the library/ prefix of official images', () => {
  assert.deepEqual(parseImageRef('redis'), { registry: 'docker.io', path: 'library/redis', tag: undefined, digest: undefined, repository: 'docker.io/library/redis', name: 'redis' });
  assert.deepEqual(parseImageRef('docker.io/library/postgres:16@sha256:abc'), parseImageRef('postgres:16@sha256:abc'));
  assert.equal(parseImageRef('index.docker.io/bitnami/redis')?.repository, 'docker.io/bitnami/redis', 'Docker Hub aliases');
  assert.equal(parseImageRef('bitnami/redis:7.2')?.path, 'bitnami/redis', 'two segments: no library/');
  // Only Docker Hub has official images: another registry's single segment stays as it is, and
  // its own library/ is part of the path.
  assert.equal(parseImageRef('registry.example.com/redis')?.path, 'redis');
  assert.equal(parseImageRef('registry.example.com/library/redis')?.path, 'library/redis');
});

test('image references: registries with a port, tags, digests', () => {
  assert.deepEqual(parseImageRef('localhost:5000/team/redis:7'), { registry: 'localhost:5000', path: 'team/redis', tag: '7', digest: undefined, repository: 'localhost:5000/team/redis', name: 'redis' });
  const portNoTag = parseImageRef('Registry.Example.com:5000/redis');
  assert.equal(portNoTag?.registry, 'registry.example.com:5000', 'the port is not a tag; hosts are case-insensitive');
  assert.equal(portNoTag?.tag, undefined);
  assert.equal(parseImageRef('localhost/redis')?.registry, 'localhost');
  assert.equal(parseImageRef('ghcr.io/org/app@sha256:0123')?.digest, 'sha256:0123');
  assert.equal(parseImageRef('ghcr.io/org/app@sha256:0123')?.tag, undefined);
  assert.equal(parseImageRef('docker:24.0-DinD')?.tag, '24.0-DinD', 'tags are case-sensitive and kept as written');
  assert.equal(parseImageRef('app:')?.tag, undefined);
});

test('image references: empty and over-long references are not parsed', () => {
  assert.equal(parseImageRef(''), undefined);
  assert.equal(parseImageRef('  '), undefined);
  assert.equal(parseImageRef('docker.io/'), undefined);
  // No runtime runs a reference this long, so it matches nothing (and costs nothing to match).
  assert.equal(parseImageRef('a'.repeat(100_000) + '/redis'), undefined);
});

test('matching: registry and path prefix, on segment and label boundaries', () => {
  const ecr = parseRepositoryPattern('602401143452.dkr.ecr.*.amazonaws.com');
  assert.ok(matchesRepository(parseImageRef('602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.11.1')!, ecr));
  assert.ok(!matchesRepository(parseImageRef('602401143452.dkr.ecr.evil.example.amazonaws.com/eks/coredns')!, ecr));
  const calico = parseRepositoryPattern('docker.io/calico/');
  assert.ok(matchesRepository(parseImageRef('calico/node:v3.27.0')!, calico));
  assert.ok(!matchesRepository(parseImageRef('calicox/node')!, calico));
});

test('matching: whole segments anywhere, and globbed last segments', () => {
  assert.ok(containsSegments('dockerhub-cache/metal3d/xmrig', 'metal3d/xmrig'));
  assert.ok(!containsSegments('metal3d/xmrig-notes', 'metal3d/xmrig'));
  assert.ok(endsWithSegments('mirror/kubernetesui/dashboard', 'kubernetesui/dashboard'));
  assert.ok(!endsWithSegments('kubernetesui/metrics-scraper', 'kubernetesui/dashboard'));
  assert.ok(endsWithSegments('library/redis', 'redis'), 'official images match their bare name');
  assert.ok(endsWithSegments('jupyter/scipy-notebook', 'jupyter/*-notebook'));
  assert.ok(!endsWithSegments('jupyter/notebook-tools', 'jupyter/*-notebook'));
  assert.ok(!endsWithSegments('oliver006/redis_exporter', 'redis'));
  assert.ok(!endsWithSegments('redis', 'library/redis'));
  // Long crafted input is matched in linear time.
  assert.ok(!endsWithSegments('a'.repeat(100_000) + '/redis', 'jupyter/*-notebook'));
});
