// The linter: typescript-eslint's recommended rules over every TypeScript
// source, test and doc script (`npm run lint`; .ci/run runs it, clean).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.bench/', '.tmp/', 'test/fixtures/fake-adb/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The one plain-JS entry point (harness/bin.js) runs on Node.
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    rules: {
      // `_name` marks a value left unused on purpose (destructuring it out of an object, say).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
