import { drivers, type ClientDriver } from './clients.js';

/**
 * Every driver, or only those named in CONTRACT_CLIENTS (comma-separated prefixes such as
 * `fetch,ky`), to focus a local run. CI runs them all.
 */
export async function activeDrivers(): Promise<ClientDriver[]> {
  const only = process.env.CONTRACT_CLIENTS?.split(',').map((s) => s.trim()).filter(Boolean);
  return only ? drivers.filter((d) => only.some((prefix) => d.name.startsWith(prefix))) : drivers;
}
