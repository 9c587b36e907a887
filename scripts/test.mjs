#!/usr/bin/env node
// `npm test`: the type-checks, unit and integration tests (Vitest, real PostgreSQL and SQLite),
// then the renderer build and the end-to-end tests (Playwright in Chromium), then one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const results = { passed: 0, failed: 0, skipped: 0 };
let broken = false;
mkdirSync('.tmp', { recursive: true });

function run(command, args, env = {}) {
  const child = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return child.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// Type-checks of main, preload and renderer: a type error fails the run like a failed test.
if (run('npm', ['run', '--silent', 'typecheck']) !== 0) {
  console.error('the type-check failed (see above)');
  broken = true;
}

// Vitest
rmSync('.tmp/vitest-results.json', { force: true });
const vitestStatus = run('npx', ['vitest', 'run']);
const vitest = readJson('.tmp/vitest-results.json');
if (vitest) {
  results.passed += vitest.numPassedTests;
  results.failed += vitest.numFailedTests;
  results.skipped += vitest.numPendingTests + (vitest.numTodoTests ?? 0);
}
if (vitestStatus !== 0 && (!vitest || vitest.numFailedTests === 0)) broken = true;

// Playwright, over the built renderer in browser mode
if (existsSync('playwright.config.ts') && process.env.MAILTRAIL_SKIP_E2E !== '1') {
  const buildStatus = run('npm', ['run', '--silent', 'build:renderer']);
  if (buildStatus !== 0) {
    console.error('the renderer did not build; end-to-end tests not run');
    broken = true;
  } else {
    rmSync('.tmp/playwright-results.json', { force: true });
    const e2eStatus = run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: '.tmp/playwright-results.json' });
    const e2e = readJson('.tmp/playwright-results.json');
    if (e2e?.stats) {
      results.passed += e2e.stats.expected;
      results.failed += e2e.stats.unexpected + (e2e.stats.flaky ?? 0);
      results.skipped += e2e.stats.skipped;
    }
    if (e2eStatus !== 0 && (!e2e?.stats || e2e.stats.unexpected === 0)) broken = true;
  }
}

if (broken) console.error('a test run stopped before reporting its results (see above)');
const skipped = results.skipped ? `, ${results.skipped} skipped` : '';
console.log(`${results.passed} passed, ${results.failed} failed${skipped}`);
process.exit(results.failed > 0 || broken || results.passed === 0 ? 1 : 0);
