import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { layers },
    rules: {
      'layers/downward': 'error',
      'layers/no-sql-outside-repositories': 'error',
    },
  },
  {
    // onnxruntime-node is loaded in one place, which turns its telemetry off before the load: in the tests too (a test
    // that loaded it directly wrote the device id and event database under the home of whoever ran the tests)
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'onnxruntime-node',
              message: 'load it through src/understanding/onnx-runtime.ts (its telemetry off before the load)',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/demo/**',
      'src/eval/**',
      'src/bench/**',
      'src/cli/**',
      'src/synth/**',
      'src/speech/lm/cli.ts',

      'src/understanding/train/train-nlu.ts',
      'test/**',
    ],
    rules: { 'no-console': 'off' },
  },
);
