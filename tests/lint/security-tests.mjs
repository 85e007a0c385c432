// security-tests.mjs — SECURITY.md's "Attacks, and the tests that show they fail" names a test
// for every attack: check that each named file exists and each named test is in it, so the table
// cannot point at a test that was renamed or removed.  Run by `make test`'s lint stage.
//
//   node tests/lint/security-tests.mjs [SECURITY.md]
//
// In the last column of each row: a backticked path (`tests/integration/test_x.c`, or just
// `test_x.c`, found under tests/) sets the file; after it, a backticked identifier names a C
// test function (`static void name(void **state)`), and in a .mjs file a backticked or quoted
// "text" must be a test's title in that file.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(new URL('../..', import.meta.url).pathname);
const doc = process.argv[2] ?? join(root, 'SECURITY.md');
const text = readFileSync(doc, 'utf8');

const start = text.indexOf('## Attacks, and the tests that show they fail');
if (start < 0) {
	console.error(`${doc}: no section "Attacks, and the tests that show they fail"`);
	process.exit(1);
}
const section = text.slice(start).split(/\n## /)[0];

function filesUnder(dir, out = []) {
	for (const name of readdirSync(dir)) {
		if (name === 'node_modules' || name.startsWith('.')) continue;
		const p = join(dir, name);
		if (statSync(p).isDirectory()) filesUnder(p, out);
		else out.push(p);
	}
	return out;
}
const testFiles = filesUnder(join(root, 'tests'));

function findFile(name) {
	if (name.includes('/')) {
		const p = join(root, name);
		return existsSync(p) ? [p] : [];
	}
	return testFiles.filter((p) => basename(p) === name);
}

const problems = [];
let rows = 0;
let names = 0;
for (const [i, line] of section.split('\n').entries()) {
	if (!line.startsWith('| ') || line.startsWith('| attack |')) continue;
	const cells = line.split(' | ');
	const cell = cells[cells.length - 1];
	rows++;
	let file = null;
	let source = '';
	// backticked spans and "quoted" titles, in order
	for (const m of cell.matchAll(/`([^`]+)`|"([^"]+)"/g)) {
		const tick = m[1];
		const quoted = m[2];
		if (tick && /\.(c|mjs|sh|py)$/.test(tick)) {
			const found = findFile(tick);
			if (found.length !== 1) {
				problems.push(
					`row ${rows}: ${tick}: ${found.length ? 'more than one file' : 'no such file'}`,
				);
				file = null;
				continue;
			}
			file = found[0];
			source = readFileSync(file, 'utf8');
			continue;
		}
		const name = tick ?? quoted;
		if (!file) {
			problems.push(`row ${rows} (line ${i + 1} of the section): "${name}" names no file before it`);
			continue;
		}
		names++;
		const rel = file.slice(root.length + 1);
		if (file.endsWith('.c')) {
			if (!/^[a-z_][a-z0-9_]*$/.test(name))
				problems.push(`row ${rows}: ${rel}: "${name}" is not a C test name`);
			else if (!new RegExp(`\\bvoid\\s+${name}\\s*\\(`).test(source))
				problems.push(`row ${rows}: ${rel} has no test ${name}`);
		} else if (!source.includes(name)) {
			problems.push(`row ${rows}: ${rel} has no test titled "${name}"`);
		}
	}
}

if (rows === 0) problems.push('the attacks table has no rows');
if (problems.length) {
	for (const p of problems) console.error(`${basename(doc)}: ${p}`);
	process.exit(1);
}
console.log(`${basename(doc)}: ${rows} attacks, ${names} named tests, all found`);
