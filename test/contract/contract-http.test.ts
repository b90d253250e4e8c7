import { describe, it } from 'vitest';
import { realBackends } from './backends.js';
import { activeDrivers } from './active-drivers.js';
import { runScenario, scenarios } from './scenarios.js';

describe.each(await activeDrivers())('$name against a real local server', (driver) => {
  it.each(scenarios)('$name', (scenario) => runScenario(scenario, driver, realBackends));
});
