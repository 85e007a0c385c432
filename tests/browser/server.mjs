// server.mjs — starts a shiplogd for the browser tests: its own database in the test
// PostgreSQL cluster, the test configuration, fresh secrets, a free port; seeds it.
//
// Environment:
//   SHIPLOG_TEST_DATABASE_URL  a PostgreSQL URL whose server may create databases (required)
//   SHIPLOGD                   the binary (default ../../build/shiplogd)
//   SHIPLOG_BROWSER_DB         database name (default shiplog_browser)
//   SHIPLOG_BROWSER_LOG        where the server's log goes (default ../../test-results/browser-shiplogd.log)
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');

export function freePort() {
	return new Promise((ok, fail) => {
		const s = createServer();
		s.unref();
		s.on('error', fail);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => ok(port));
		});
	});
}

function databaseUrl(base, db) {
	const u = new URL(base);
	u.pathname = '/' + db;
	return u.toString();
}

function psql(url, sql) {
	execFileSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
		env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
		stdio: ['ignore', 'ignore', 'pipe'],
	});
}

// `config`: the configuration file (default shiplog.test.yaml); `db`: the database's name
// (default $SHIPLOG_BROWSER_DB or shiplog_browser), dropped and created anew.
export async function startServer({
	extraEnv = {},
	config = resolve(HERE, 'shiplog.test.yaml'),
	db: dbName,
} = {}) {
	const base = process.env.SHIPLOG_TEST_DATABASE_URL;
	if (!base) throw new Error('SHIPLOG_TEST_DATABASE_URL is not set (scripts/test.sh sets it)');
	const db = dbName ?? process.env.SHIPLOG_BROWSER_DB ?? 'shiplog_browser';
	if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`bad database name ${db}`);
	psql(base, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
	psql(base, `CREATE DATABASE ${db}`);

	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const secrets = {
		adminToken: randomBytes(32).toString('hex'),
		githubSecret: randomBytes(20).toString('hex'),
		fluxSecret: randomBytes(20).toString('hex'),
	};
	const defaultLog = resolve(ROOT, 'test-results/browser-shiplogd.log');
	const logPath = dbName
		? resolve(dirname(process.env.SHIPLOG_BROWSER_LOG ?? defaultLog), `${db}-shiplogd.log`)
		: (process.env.SHIPLOG_BROWSER_LOG ?? defaultLog);
	mkdirSync(dirname(logPath), { recursive: true });
	const dataDir = resolve(dirname(logPath), dbName ? `${db}-data` : 'browser-data');
	mkdirSync(dataDir, { recursive: true });
	const log = createWriteStream(logPath, { flags: 'a' });
	const bin = process.env.SHIPLOGD ?? resolve(ROOT, 'build/shiplogd');
	const child = spawn(bin, ['--config', config], {
		env: {
			PATH: process.env.PATH,
			DATABASE_URL: databaseUrl(base, db),
			SHIPLOG_LISTEN: `127.0.0.1:${port}`,
			SHIPLOG_BASE_URL: url,
			SHIPLOG_WEB_DIR: resolve(ROOT, 'web'),
			SHIPLOG_DATA_DIR: dataDir,
			SHIPLOG_ADMIN_TOKEN: secrets.adminToken,
			SHIPLOG_SESSION_SECRET: randomBytes(32).toString('hex'),
			SHIPLOG_GITHUB_WEBHOOK_SECRET: secrets.githubSecret,
			SHIPLOG_FLUX_WEBHOOK_SECRET: secrets.fluxSecret,
			SHIPLOG_LOG_LEVEL: 'warn',
			// the seed and the tests post feedback from one address in a few seconds
			SHIPLOG_RATE_FEEDBACK: '200',
			...extraEnv,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	child.stdout.pipe(log);
	child.stderr.pipe(log);
	let exited = null;
	const killOnExit = () => child.kill('SIGKILL');
	process.once('exit', killOnExit);
	child.on('exit', (code, signal) => {
		exited = { code, signal };
		process.removeListener('exit', killOnExit);
	});

	const deadline = Date.now() + 30_000;
	for (;;) {
		if (exited)
			throw new Error(
				`shiplogd exited during start-up (${JSON.stringify(exited)}); see ${logPath}`,
			);
		try {
			const r = await fetch(url + '/readyz');
			if (r.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`shiplogd not ready at ${url} within 30 s; see ${logPath}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}

	return {
		url,
		...secrets,
		logPath,
		async stop() {
			if (exited) return;
			const done = new Promise((r) => child.once('exit', r));
			child.kill('SIGTERM');
			const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
			await done;
			clearTimeout(t);
		},
	};
}
