/**
 * The environment the harness gives Dawn on a GPU-less Linux host: Chromium's
 * SwiftShader as the Vulkan driver, with Chromium's Vulkan loader on the
 * library path; never where the user named a driver, off Linux, or without
 * a Chromium to borrow it from. And a named driver file that is missing is
 * said plainly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namedDriverProblem, swiftShaderFallback } from '../../targets/node/dawn-env.ts';

const only = (...paths: string[]) => (path: string) => paths.includes(path);

test("on Linux with Debian's chromium: VK_ICD_FILENAMES names its ICD, its folder ends LD_LIBRARY_PATH", () => {
  const choice = swiftShaderFallback({ platform: 'linux', env: {}, exists: only('/usr/lib/chromium/vk_swiftshader_icd.json') });
  assert.deepEqual(choice, {
    fallback: { icd: '/usr/lib/chromium/vk_swiftshader_icd.json', env: { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json', LD_LIBRARY_PATH: '/usr/lib/chromium' } },
  });
  const kept = swiftShaderFallback({ platform: 'linux', env: { LD_LIBRARY_PATH: '/opt/lib' }, exists: only('/opt/google/chrome/vk_swiftshader_icd.json') });
  assert.ok('fallback' in kept);
  assert.deepEqual(kept.fallback.env, { VK_ICD_FILENAMES: '/opt/google/chrome/vk_swiftshader_icd.json', LD_LIBRARY_PATH: '/opt/lib:/opt/google/chrome' });
});

test('the first folder that has the ICD wins', () => {
  const choice = swiftShaderFallback({ platform: 'linux', env: {}, exists: () => true, folders: ['/a', '/b'] });
  assert.ok('fallback' in choice);
  assert.equal(choice.fallback.icd, '/a/vk_swiftshader_icd.json');
});

test('no fallback where the user named a driver, off Linux, or without a SwiftShader ICD: each says why', () => {
  const exists = () => true;
  assert.deepEqual(swiftShaderFallback({ platform: 'linux', env: { VK_ICD_FILENAMES: '/x.json' }, exists }), { why: 'VK_ICD_FILENAMES=/x.json names the Vulkan driver, so the harness does not pick one' });
  assert.deepEqual(swiftShaderFallback({ platform: 'linux', env: { VK_DRIVER_FILES: '/y.json' }, exists }), { why: 'VK_DRIVER_FILES=/y.json names the Vulkan driver, so the harness does not pick one' });
  assert.deepEqual(swiftShaderFallback({ platform: 'darwin', env: {}, exists }), { why: 'the SwiftShader fallback is for Linux (this is darwin)' });
  const none = swiftShaderFallback({ platform: 'linux', env: {}, exists: () => false, folders: ['/a', '/b'] });
  assert.deepEqual(none, { why: 'no SwiftShader Vulkan driver to fall back on (looked for vk_swiftshader_icd.json in /a, /b; apt-get install chromium provides one)' });
});

test('a named driver file that does not exist is reported by name; one that exists is no problem', () => {
  assert.equal(namedDriverProblem({ VK_ICD_FILENAMES: '/gone.json' }, () => false), 'VK_ICD_FILENAMES names /gone.json, which does not exist');
  assert.equal(namedDriverProblem({ VK_ICD_FILENAMES: '/here.json:/gone.json' }, only('/here.json')), 'VK_ICD_FILENAMES names /gone.json, which does not exist');
  assert.equal(namedDriverProblem({ VK_ICD_FILENAMES: '/here.json' }, only('/here.json')), undefined);
  assert.equal(namedDriverProblem({}, () => false), undefined);
});
