import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { mswBackends } from './backends.js';
import { activeDrivers } from './active-drivers.js';
import { runScenario, scenarios } from './scenarios.js';

const server = setupServer();
const backends = mswBackends(server);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe.each(await activeDrivers())('$name through MSW', (driver) => {
  it.each(scenarios)('$name', (scenario) => runScenario(scenario, driver, backends));
});
