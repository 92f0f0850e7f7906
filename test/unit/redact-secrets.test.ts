/**
 * Redaction (harness/core/redact.ts): URL credentials and secret capability
 * values are replaced in configs, free text, records and logger output;
 * a URL that does not parse is redacted whole (fails closed); measurement
 * keys and ordinary values are left alone.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { createLogger } from '../../harness/core/log.ts';
import { clearSecrets, isSecretKey, redactConfig, redactRecord, redactText, redactUrl, registerSecrets, secretsIn } from '../../harness/core/redact.ts';
import { measurement, record } from '../fixtures/report-records.ts';

afterEach(() => clearSecrets());

const FARM_URL = 'https://jane:K3y-0f-the-farm@hub.farm.example/wd/hub';

test('a URL loses its user info and secret query parameters; one without credentials is unchanged', () => {
  assert.equal(redactUrl(FARM_URL), 'https://<redacted>@hub.farm.example/wd/hub');
  assert.equal(redactUrl('https://hub.example/wd/hub?accessKey=abc123&region=eu'), 'https://hub.example/wd/hub?accessKey=<redacted>&region=eu');
  assert.equal(redactUrl('http://127.0.0.1:4723'), 'http://127.0.0.1:4723', 'nothing to hide: not even normalised');
});

test('a URL that does not parse is printed as <redacted url>', () => {
  assert.equal(redactUrl('https://jane:K3y with space@hub farm/wd/hub'), '<redacted url>');
  assert.equal(redactUrl('jane:K3y@hub'), '<redacted url>');
});

test('secret capability keys are recognised with any vendor prefix, case or separator', () => {
  for (const key of ['accessKey', 'sauce:accessKey', 'key', 'tb:key', 'password', 'appium:password', 'token', 'lt:token', 'apiKey', 'api_key', 'testobject_api_key', 'sessionToken', 'clientSecret', 'Authorization']) {
    assert.ok(isSecretKey(key), `${key} is secret`);
  }
  for (const key of ['browserName', 'appium:udid', 'appium:deviceName', 'username', 'userName', 'appium:chromedriverExecutable', 'keyboard', 'monkey', 'platformVersion']) {
    assert.ok(!isSecretKey(key), `${key} is not secret`);
  }
});

test('a config keeps its shape with every secret value and URL credential replaced', () => {
  const config = {
    out: '.bench',
    android: {
      appiumUrl: FARM_URL,
      capabilities: {
        'appium:deviceName': 'Pixel 8',
        'sauce:options': { username: 'jane', accessKey: 'sauce-0123456789' },
        'bstack:options': { userName: 'jane', accessKey: 'bstack-abcdef' },
        'lt:token': 'lt-token-xyz',
        'farm:auth': { user: 'jane', pass: 'pw' },
        'farm:options': { local: true, apiKey: 42424242 },
      },
    },
  };
  const safe = redactConfig(config);
  assert.deepEqual(safe, {
    out: '.bench',
    android: {
      appiumUrl: 'https://<redacted>@hub.farm.example/wd/hub',
      capabilities: {
        'appium:deviceName': 'Pixel 8',
        'sauce:options': { username: 'jane', accessKey: '<redacted>' },
        'bstack:options': { userName: 'jane', accessKey: '<redacted>' },
        'lt:token': '<redacted>',
        'farm:auth': '<redacted>',
        'farm:options': { local: true, apiKey: '<redacted>' },
      },
    },
  });
  assert.equal(config.android.capabilities['sauce:options'].accessKey, 'sauce-0123456789', 'the original is not modified');
  assert.equal(redactConfig({ android: { appiumUrl: 'jane:K3y@hub:4444' } }).android.appiumUrl, '<redacted url>', 'appiumUrl is a URL even when it does not parse');
});

test('the secrets of a config are found, and scrubbed from free text in every form they appear in', () => {
  const secrets = secretsIn({ android: { appiumUrl: 'https://jane:p%40ss-w0rd@hub.example/wd/hub', capabilities: { 'sauce:options': { accessKey: 'sauce-0123456789' } } } });
  for (const expected of ['p%40ss-w0rd', 'p@ss-w0rd', 'sauce-0123456789']) assert.ok(secrets.includes(expected), `${expected} found`);
  assert.ok(!secrets.includes('jane'), 'an account name beside a password is not scrubbed from all text');
  assert.ok(secretsIn({ android: { appiumUrl: 'https://ghp_T0KEN@hub.example/' } }).includes('ghp_T0KEN'), 'a user name alone is a token');
  registerSecrets(secrets);
  const text = redactText('session failed: {"accessKey":"sauce-0123456789"} at https://jane:p%40ss-w0rd@hub.example/ (password p@ss-w0rd)');
  for (const secret of ['sauce-0123456789', 'p%40ss-w0rd', 'p@ss-w0rd']) assert.ok(!text.includes(secret), `${secret} scrubbed: ${text}`);
  assert.match(text, /https:\/\/<redacted>@hub\.example\//);
  // An unparseable URL is secret as a whole.
  assert.deepEqual(secretsIn({ android: { appiumUrl: 'https://jane:K3y@hub farm' } }), ['https://jane:K3y@hub farm']);
});

test('URL credentials in free text are scrubbed without being registered', () => {
  assert.equal(redactText('POST ftp://u:p@files.example/x and https://token@api.example/y'), 'POST ftp://<redacted>@files.example/x and https://<redacted>@api.example/y');
});

test('a record is redacted without touching its measurement keys', () => {
  registerSecrets(['sauce-0123456789']);
  const base = record({ runId: 'r1', measurements: [measurement({ samples: [1, 2, 3] })] });
  const unsafe = {
    ...base,
    config: { android: { appiumUrl: FARM_URL, capabilities: { 'sauce:options': { accessKey: 'sauce-0123456789' } } } },
    failures: [{ ...base.measurements[0]!, phase: 'setup', error: { name: 'Error', message: `no session at ${FARM_URL}: key sauce-0123456789 refused` }, at: 'now' }],
  } as typeof base;
  const safe = redactRecord(unsafe);
  const text = JSON.stringify(safe);
  assert.ok(!text.includes('K3y-0f-the-farm') && !text.includes('sauce-0123456789'), text);
  assert.deepEqual(safe.measurements[0]!.key, base.measurements[0]!.key, 'a measurement key is not a secret key');
  assert.equal(safe.measurements[0]!.samples, base.measurements[0]!.samples, 'number arrays are shared, not copied');
});

test('the logger scrubs every line and the --json result', () => {
  registerSecrets(['sauce-0123456789']);
  const lines: string[] = [];
  const results: string[] = [];
  const log = createLogger({ level: 'verbose', json: true, write: (text) => lines.push(text), writeResult: (text) => results.push(text) });
  log.warn(`session refused at ${FARM_URL}`);
  log.info('key sauce-0123456789');
  log.debug('debug: sauce-0123456789');
  log.result({ config: { accessKey: 'sauce-0123456789' }, url: FARM_URL });
  const text = [...lines, ...results].join('\n');
  assert.equal(lines.length, 3);
  assert.equal(results.length, 1);
  assert.ok(!text.includes('K3y-0f-the-farm') && !text.includes('sauce-0123456789'), text);
  assert.deepEqual(JSON.parse(results[0]!), { config: { accessKey: '<redacted>' }, url: 'https://<redacted>@hub.farm.example/wd/hub' });
});
