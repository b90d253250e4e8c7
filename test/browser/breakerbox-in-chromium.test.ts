import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage } from './bundle-page.js';
import { chromiumPath, hasChromium, launchChromium } from './chromium.js';
import { startApiServer, startPageServer, type ApiServer } from './page-servers.js';
import type { ScenarioReport } from './page/report.js';

/** For a person to look at; ignored by git. */
const outputDir = resolve(import.meta.dirname, '../../test-output/browser');

// On CI a missing browser is a failure (.ci/run installs it); on a laptop without it, a visible skip.
const run = hasChromium || process.env.CI !== undefined;
if (!run) console.warn(`Skipping the browser test: no Chromium at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH).`);

describe.skipIf(!run)('breakerbox in Chromium (patchGlobalFetch and ky against a failing origin)', () => {
  let api: ApiServer;
  let pageServer: { origin: string; close(): Promise<void> };
  let browser: Browser | undefined;
  let page: Page;
  let report: ScenarioReport;
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`No Chromium at ${chromiumPath}: .ci/run installs it with apt-get install -y chromium.`);
    api = await startApiServer();
    pageServer = await startPageServer(await bundlePage(), api);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    await page.goto(pageServer.origin, { timeout: 15_000 });
    await page.waitForFunction(() => window.__breakerbox?.done === true, undefined, { timeout: 20_000 }).catch((error: unknown) => {
      throw new Error(`The page did not finish: ${String(error)}\n${consoleLines.join('\n')}\n${pageErrors.join('\n')}`);
    });
    report = (await page.evaluate(() => window.__breakerbox))!;
    await mkdir(outputDir, { recursive: true });
    const screenshot = join(outputDir, 'breakerbox-in-chromium.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`Screenshot of the in-page report: ${screenshot}`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pageServer?.close();
    await api?.close();
  });

  it('runs in Chromium itself, with no uncaught error in the page', () => {
    expect(report.userAgent).toMatch(/Chrome\/\d+/);
    expect(pageErrors).toEqual([]);
  });

  it('passes every check of the in-page scenario', () => {
    const failed = report.steps.filter((step) => !step.passed).map((step) => `${step.name}: ${step.detail}`);
    expect(failed).toEqual([]);
    expect(report.steps).toHaveLength(9);
  });

  it('opens, half-opens and closes, then opens again, in that order', () => {
    expect(report.transitions.map(({ from, to }) => `${from} → ${to}`)).toEqual(['closed → open', 'open → half-open', 'half-open → closed', 'closed → open']);
  });

  it('sends the failing origin exactly the requests the breaker admitted', () => {
    // 1 healthy + 2 failures, nothing while open (fetch and ky, cached and refused), 1 probe, 2 ky failures.
    expect(api.hitsByPath()).toEqual({ '/data': 6 });
  });
});
