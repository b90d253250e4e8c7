import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs; override with `CHROMIUM_PATH`. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const hasChromium = existsSync(chromiumPath);

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps
 * trying to reach Google's hosts at start-up. Playwright adds `--headless` and a fresh,
 * empty profile (`--user-data-dir` in a temporary folder) of its own.
 */
const closedNetworkFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches the system Chromium; never downloads a browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: closedNetworkFlags, timeout: 30_000 });
}
