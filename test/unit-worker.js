// One process of the unit tier (test/run-unit.js): runs the unit files its
// parent sends, one after the other, each as one suite named after its file,
// in this process. A file's top-level tests and hooks (before, after) belong
// to that suite, as they belonged to the file's own process under
// `node --test`. The parent sends the next file when a suite is done and
// disconnects when none is left; node:test reports and sets the exit code.
import { after, describe } from 'node:test';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

process.on('message', (file) => {
  describe(relative(process.cwd(), file), async () => {
    // Registered before the import so that a file that fails to load still lets the next one come.
    after(() => process.send({ done: file }));
    await import(pathToFileURL(resolve(file)).href);
  });
});
process.send({ ready: true });
