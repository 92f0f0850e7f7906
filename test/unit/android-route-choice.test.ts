/**
 * Which route page runtimes take on a phone: `android.driver` (and its flag
 * `--android-driver`), `auto` taking Appium only when an Appium URL is given
 * or everything a harness-started UiAutomator2 needs is there (the driver
 * package, a JDK, the Android SDK with build-tools), else CDP; and the
 * prerequisite check naming what is missing. The machine is faked with
 * folders: an Appium home, a JDK and an SDK made here.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runOverrides } from '../../harness/commands/run.ts';
import { parseConfig, type BenchConfig } from '../../harness/core/config.ts';
import { appiumPrerequisites, chooseRoute } from '../../targets/android/routes.ts';
import { tempDir } from '../helpers/tmp.ts';

let ready: NodeJS.ProcessEnv;
let root: string;

/** An Appium home with the UiAutomator2 driver package, a JDK with bin/java and an SDK with build-tools/35.0.0/apksigner. */
before(async () => {
  root = await tempDir('route-choice');
  const home = join(root, 'appium-home');
  await mkdir(join(home, 'node_modules', 'appium-uiautomator2-driver'), { recursive: true });
  await writeFile(join(home, 'package.json'), JSON.stringify({ optionalDependencies: { 'appium-uiautomator2-driver': '^8.7.0' } }));
  await writeFile(join(home, 'node_modules', 'appium-uiautomator2-driver', 'package.json'), JSON.stringify({ name: 'appium-uiautomator2-driver', appium: { driverName: 'uiautomator2', automationName: 'UiAutomator2' } }));
  await mkdir(join(root, 'jdk', 'bin'), { recursive: true });
  await writeFile(join(root, 'jdk', 'bin', 'java'), '#!/bin/sh\n', { mode: 0o755 });
  await mkdir(join(root, 'sdk', 'build-tools', '35.0.0'), { recursive: true });
  await writeFile(join(root, 'sdk', 'build-tools', '35.0.0', 'apksigner'), '#!/bin/sh\n', { mode: 0o755 });
  ready = { PATH: '/nonexistent', APPIUM_HOME: home, JAVA_HOME: join(root, 'jdk'), ANDROID_HOME: join(root, 'sdk') };
});

const config = (android: BenchConfig['android'] = {}) => parseConfig({ android });

test('auto: Appium when everything it needs is installed, CDP when any part is missing, Appium again with a URL', () => {
  assert.deepEqual(appiumPrerequisites('UiAutomator2', ready), []);
  const withAll = chooseRoute(config(), ready);
  assert.equal(withAll.route, 'appium');
  assert.equal(withAll.why, 'auto: Appium and its prerequisites are installed');
  assert.match(withAll.appium.via, /^Appium \d+\.\d+\.\d+ \(UiAutomator2\) started by the harness$/);

  for (const missing of ['JAVA_HOME', 'ANDROID_HOME', 'APPIUM_HOME'] as const) {
    const env = { ...ready, [missing]: missing === 'APPIUM_HOME' ? join(root, 'empty-home') : undefined };
    const choice = chooseRoute(config(), env);
    assert.equal(choice.route, 'cdp', `without ${missing}`);
    assert.equal(choice.why, 'auto: Appium is not ready');
    assert.equal(choice.appium.problems.length, 1, choice.appium.problems.join(' | '));
    const withUrl = chooseRoute(config({ appiumUrl: 'http://127.0.0.1:4723/' }), env);
    assert.deepEqual([withUrl.route, withUrl.why, withUrl.appium.problems], ['appium', 'auto: an Appium URL is given', []]);
  }
});

test('an explicit android.driver wins over what is installed', () => {
  assert.equal(chooseRoute(config({ driver: 'cdp' }), ready).route, 'cdp');
  const bare = { PATH: '/nonexistent' };
  const appium = chooseRoute(config({ driver: 'appium' }), bare);
  assert.equal(appium.route, 'appium');
  assert.ok(appium.appium.problems.length >= 2, 'and still says what it lacks');
});

test('each missing prerequisite is one line naming it and what to do', async () => {
  const noJava = appiumPrerequisites('UiAutomator2', { ...ready, JAVA_HOME: undefined });
  assert.deepEqual(noJava, ['JAVA_HOME is not set (the JDK): install a JDK 11 or newer (apt-get install default-jdk-headless) and export JAVA_HOME']);
  // java on PATH but JAVA_HOME unset: the line says which folder to export.
  const javaOnPath = appiumPrerequisites('UiAutomator2', { ...ready, JAVA_HOME: undefined, PATH: join(root, 'jdk', 'bin') });
  assert.deepEqual(javaOnPath, [`JAVA_HOME is not set (the JDK): java is at ${join(root, 'jdk', 'bin', 'java')}: export JAVA_HOME=${join(root, 'jdk')}`]);
  assert.deepEqual(appiumPrerequisites('UiAutomator2', { ...ready, JAVA_HOME: join(root, 'sdk') }), [`JAVA_HOME=${join(root, 'sdk')} has no bin/java: point it at a JDK 11 or newer`]);

  const noSdk = appiumPrerequisites('UiAutomator2', { ...ready, ANDROID_HOME: undefined });
  assert.equal(noSdk.length, 1);
  assert.match(noSdk[0]!, /^ANDROID_HOME is not set \(the Android SDK\): .*sdkmanager "platform-tools" "build-tools;35\.0\.0"$/);
  // ANDROID_SDK_ROOT, the older name, does as well.
  assert.deepEqual(appiumPrerequisites('UiAutomator2', { ...ready, ANDROID_HOME: undefined, ANDROID_SDK_ROOT: join(root, 'sdk') }), []);

  await rm(join(root, 'sdk', 'build-tools', '35.0.0', 'apksigner'));
  try {
    assert.deepEqual(appiumPrerequisites('UiAutomator2', ready), [`no build-tools with apksigner in ${join(root, 'sdk', 'build-tools')}: sdkmanager "build-tools;35.0.0"`]);
  } finally {
    await writeFile(join(root, 'sdk', 'build-tools', '35.0.0', 'apksigner'), '#!/bin/sh\n', { mode: 0o755 });
  }

  const noDriver = appiumPrerequisites('UiAutomator2', { ...ready, APPIUM_HOME: join(root, 'empty-home') });
  assert.equal(noDriver.length, 1);
  assert.match(noDriver[0]!, /^Appium's UiAutomator2 driver is not installed .*npm install --save-optional appium-uiautomator2-driver/);
  // Listed in package.json but not installed (npm ci skipped the optional dependency): npm install brings it.
  const listedHome = join(root, 'listed-home');
  await mkdir(listedHome, { recursive: true });
  await writeFile(join(listedHome, 'package.json'), JSON.stringify({ optionalDependencies: { 'appium-uiautomator2-driver': '^8.7.0' } }));
  assert.deepEqual(appiumPrerequisites('UiAutomator2', { ...ready, APPIUM_HOME: listedHome }), [
    `Appium's UiAutomator2 driver is not installed in ${listedHome}: npm install (appium-uiautomator2-driver is an optional dependency of this project that did not install), or point --appium-url at a server that has it`,
  ]);
  // A driver that drives a desktop browser needs no JDK or SDK.
  assert.deepEqual(appiumPrerequisites('Chromium', { PATH: '/nonexistent' }), []);
});

test('--android-driver maps onto android.driver; anything but cdp, appium or auto is an error naming the key', () => {
  assert.equal(parseConfig(runOverrides({ 'android-driver': 'cdp' }).values).android.driver, 'cdp');
  assert.equal(parseConfig(runOverrides({}).values).android.driver, 'auto');
  assert.throws(() => parseConfig(runOverrides({ 'android-driver': 'webdriver' }).values), /android\.driver: /);
});
