// $env:BROWSER for the consent-page tests: node consent.mjs <authorize URL>
// Opens the URL in Debian's headless Chromium (no browser download), clicks #accept (or #deny when
// PFA_TEST_CONSENT=deny), waits until the redirect to the callback has loaded, and exits.
// Trusts only the emulator's certificate: PFA_TEST_SPKI_SHA256 (base64 SHA-256 of its SubjectPublicKeyInfo)
// goes to --ignore-certificate-errors-spki-list; nothing else is relaxed.
// Quiet on success; on failure it writes to stderr and to PFA_TEST_BROWSER_LOG (when set) and exits 1.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.argv[2];
const mode = (process.env.PFA_TEST_CONSENT || 'accept').toLowerCase();
const spki = process.env.PFA_TEST_SPKI_SHA256 || '';
const executablePath = process.env.PFA_TEST_CHROMIUM || '/usr/bin/chromium';
const timeout = Number(process.env.PFA_TEST_BROWSER_TIMEOUT_MS || 30000);
const logFile = process.env.PFA_TEST_BROWSER_LOG;

function log(message) {
  const line = `${new Date().toISOString()} consent.mjs: ${message}\n`;
  if (logFile) { try { appendFileSync(logFile, line); } catch { /* ignore */ } }
  return line;
}

if (!url) {
  process.stderr.write(log('usage: node consent.mjs <url>'));
  process.exit(2);
}
if (mode !== 'accept' && mode !== 'deny') {
  process.stderr.write(log(`PFA_TEST_CONSENT must be accept or deny, not '${mode}'`));
  process.exit(2);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'pfa-chromium-'));
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
if (spki) args.push(`--ignore-certificate-errors-spki-list=${spki}`);

let context;
let code = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args, timeout });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(timeout);
  log(`opening ${new URL(url).origin}${new URL(url).pathname}`);
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response || response.status() !== 200) {
    throw new Error(`the authorize page answered ${response ? response.status() : 'nothing'}`);
  }
  const button = mode === 'deny' ? '#deny' : '#accept';
  const callbackReached = page.waitForURL((u) => u.pathname.toLowerCase().endsWith('/oauth2/azuredevops'), { waitUntil: 'load', timeout });
  await page.click(button);
  await callbackReached;
  log(`${mode}: the callback page loaded`);
} catch (error) {
  code = 1;
  process.stderr.write(log(`failed: ${error && error.message ? error.message.split('\n')[0] : error}`));
} finally {
  try { if (context) await context.close(); } catch { /* ignore */ }
  try { rmSync(userDataDir, { recursive: true, force: true }); } catch { /* ignore */ }
}
process.exit(code);
