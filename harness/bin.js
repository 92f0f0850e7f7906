#!/usr/bin/env node
// The `bench` executable. The sources are TypeScript run directly through tsx,
// so `npm ci` is the only setup step: there is no build to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
