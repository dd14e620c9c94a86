import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '.local/**', '**/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Domain code is pure: no messaging, persistence, framework or network.
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@mkt/messaging', '@mkt/messaging/*', '@mkt/safe-http', 'typeorm', 'typeorm/*', 'pg', 'kafkajs', '@nestjs/*', 'nodemailer', '@azure/*'],
              message: 'domain code is pure: no I/O or framework imports',
            },
            { group: ['**/persistence/**', '**/handlers/**', '**/http/**'], message: 'domain code does not depend on adapters' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
