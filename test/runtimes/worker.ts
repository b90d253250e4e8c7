/**
 * The conformance entry for workerd: a Worker whose `fetch` runs every check against the
 * server named by its `BASE_URL` text binding (see scripts/test-runtimes.mjs, which writes
 * the config) and answers the report as text: status 200 when every check passed, 500 if not.
 */
import { runConformance } from './conformance.js';

export default {
  async fetch(_request: Request, env: { BASE_URL: string }): Promise<Response> {
    const lines: string[] = [];
    const results = await runConformance(env.BASE_URL, navigator.userAgent, (line) => lines.push(line));
    return new Response(`${lines.join('\n')}\n`, { status: results.every((r) => r.ok) ? 200 : 500 });
  },
};
