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
    rules: { 'layers/downward': 'error', 'layers/no-sql-outside-repositories': 'error' },
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
