/**
 * A WebDriver poll that the HTTP client gave up on (undici's
 * UND_ERR_HEADERS_TIMEOUT, or webdriverio's own request timeout: WebKitWebDriver answers only once the page's busy
 * JavaScript thread runs the poll) reads as a busy page, as a script timeout
 * does, so the job waits on its own deadline instead of failing in load; a
 * lost session never does. Messages captured from webdriverio 9 and
 * WebKitWebDriver / chromedriver.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollWaitedOut } from '../../targets/page/webdriver-host.ts';

test('a client-side headers timeout and a script timeout are a busy page', () => {
  assert.equal(pollWaitedOut('WebDriverError: Request failed with error code UND_ERR_HEADERS_TIMEOUT when running "execute/sync" with method "POST"'), true);
  assert.equal(pollWaitedOut('WebDriverError: Request timed out! Consider increasing the "connectionRetryTimeout" option. when running "execute/sync" with method "POST"'), true);
  assert.equal(pollWaitedOut('script timeout: result was not received in 5 seconds'), true);
});

test('a lost session or a page error is not', () => {
  assert.equal(pollWaitedOut('invalid session id'), false);
  assert.equal(pollWaitedOut('WebDriverError: Request failed with error code ECONNREFUSED when running "execute/sync" with method "POST"'), false);
  assert.equal(pollWaitedOut('javascript error: window.edgebench is undefined'), false);
});
