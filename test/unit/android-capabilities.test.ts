/**
 * Session capabilities and where sessions go: phone defaults, the user's
 * overrides merged over them, external server / grid / farm URLs, and the
 * check that the Appium driver a session needs is installed.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { driverProblem, findAppium, installedDrivers } from '../../targets/android/appium-server.ts';
import { automationNameOf, browserPackage, endpointFromUrl, insecureFeaturesFor, redactUrl, sessionCapabilities } from '../../targets/android/capabilities.ts';
import { tempDir } from '../helpers/tmp.ts';

test('phone defaults: Chrome through UiAutomator2 on that serial; overrides merge over them', () => {
  const phone = sessionCapabilities('2B161JEGR04567', {});
  assert.equal(phone.platformName, 'Android');
  assert.equal(phone.browserName, 'Chrome');
  assert.equal(phone['appium:automationName'], 'UiAutomator2');
  assert.equal(phone['appium:udid'], '2B161JEGR04567');
  const farm = sessionCapabilities('X1', { 'appium:chromedriverExecutable': '/opt/chromedriver-120', 'bstack:options': { deviceName: 'Pixel 7' }, 'goog:chromeOptions': { androidPackage: 'com.chrome.beta' } });
  assert.equal(farm['appium:udid'], 'X1');
  assert.equal(farm['appium:chromedriverExecutable'], '/opt/chromedriver-120');
  assert.deepEqual(farm['bstack:options'], { deviceName: 'Pixel 7' });
  assert.equal(browserPackage(farm), 'com.chrome.beta');
  assert.equal(browserPackage(phone), 'com.android.chrome');
  assert.equal(automationNameOf(sessionCapabilities('X', { 'appium:automationName': 'Chromium' })), 'Chromium');
  assert.deepEqual(insecureFeaturesFor(phone), []);
  assert.deepEqual(insecureFeaturesFor({ ...phone, 'appium:chromedriverAutodownload': true }), ['uiautomator2:chromedriver_autodownload']);
});

test('Appium URLs: local server, Selenium Grid path, device farm credentials', () => {
  assert.deepEqual(endpointFromUrl('http://127.0.0.1:4723/'), { protocol: 'http', hostname: '127.0.0.1', port: 4723, path: '/' });
  assert.deepEqual(endpointFromUrl('http://grid.lab:4444/wd/hub'), { protocol: 'http', hostname: 'grid.lab', port: 4444, path: '/wd/hub' });
  assert.deepEqual(endpointFromUrl('https://jane:s3cr%40t@hub.farm.example/wd/hub'), { protocol: 'https', hostname: 'hub.farm.example', port: 443, path: '/wd/hub', user: 'jane', key: 's3cr@t' });
  assert.equal(redactUrl('https://jane:secret@hub.farm.example/wd/hub'), 'https://<redacted>@hub.farm.example/wd/hub');
  assert.throws(() => endpointFromUrl('grid:4444'), /must be http:\/\/ or https:\/\//);
  assert.throws(() => endpointFromUrl('not a url'), /is not a URL/);
});

test('drivers: found through the project package.json, or named with the npm command that adds them', async () => {
  const appium = findAppium({});
  assert.ok(appium, 'appium is a dependency of this project');
  assert.equal(installedDrivers(appium.home).get('chromium'), 'appium-chromium-driver');
  assert.equal(driverProblem('Chromium', {}), null);

  // An APPIUM_HOME with its own package.json: what `appium driver install` makes.
  const home = await tempDir('appium-home');
  await writeFile(join(home, 'package.json'), JSON.stringify({ dependencies: { 'appium-uiautomator2-driver': '4.0.0' } }));
  await mkdir(join(home, 'node_modules', 'appium-uiautomator2-driver'), { recursive: true });
  await writeFile(join(home, 'node_modules', 'appium-uiautomator2-driver', 'package.json'), JSON.stringify({ name: 'appium-uiautomator2-driver', appium: { driverName: 'uiautomator2', automationName: 'UiAutomator2', platformNames: ['Android'] } }));
  assert.equal(driverProblem('UiAutomator2', { APPIUM_HOME: home }), null);
  assert.match(driverProblem('Espresso', { APPIUM_HOME: home })!, /npm install --save-optional appium-espresso-driver/);
});
