// eslint.config.mjs — one style and the usual correctness rules for all of shiplog's
// JavaScript: the dashboard (web/js, browser ES modules) and the Node test suites
// (tests/browser, tests/deploy, tests/contract). `make test` runs it (stage lint); by hand:
// `cd tests/lint && npm ci && npm run lint` (`npm run fix` rewrites the layout).
//
// The layout is Prettier's (`layout` below: tabs, single quotes, semicolons, trailing commas,
// 100 columns as the C code), checked as one eslint rule, so a file is either laid out that
// way or the stage fails naming the line.
import js from '@eslint/js';
import prettier from 'eslint-plugin-prettier/recommended';
import globals from 'globals';

const layout = {
	useTabs: true,
	tabWidth: 4,
	printWidth: 100,
	singleQuote: true,
	semi: true,
	trailingComma: 'all',
	arrowParens: 'always',
};

export default [
	{ ignores: ['**/node_modules/**'] },
	js.configs.recommended,
	prettier,
	{
		files: ['**/*.js', '**/*.mjs'],
		languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
		linterOptions: { reportUnusedDisableDirectives: 'error' },
		rules: {
			'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none', ignoreRestSiblings: true }],
			eqeqeq: ['error', 'always', { null: 'ignore' }],
			'no-var': 'error',
			'prefer-const': 'error',
			'prettier/prettier': ['error', layout, { usePrettierrc: false }],
		},
	},
	{
		files: ['web/js/**/*.js'],
		languageOptions: { globals: { ...globals.browser } },
	},
	{
		files: ['tests/**/*.mjs'],
		languageOptions: { globals: { ...globals.node } },
	},
	{
		// functions these tests hand to page.evaluate() run in the page
		files: ['tests/browser/**/*.mjs'],
		languageOptions: { globals: { ...globals.node, ...globals.browser } },
	},
];
