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

/** Every scenario but those MSW cannot host (each says why in `realServerOnly`). */
const hosted = scenarios.filter((scenario) => scenario.realServerOnly === undefined);

describe.each(await activeDrivers())('$name through MSW', (driver) => {
  it.each(hosted)('$name', (scenario) => runScenario(scenario, driver, backends));
});
