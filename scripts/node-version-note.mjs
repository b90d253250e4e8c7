/**
 * `prepare` (run by a plain `npm install` in a clone, never by consumers installing the
 * package): on Node < 22 prints one line saying what the `npm warn EBADENGINE` blocks
 * above mean, instead of leaving 40 lines of them unexplained. Silent on Node 22 and later.
 *
 * The Node that ran npm is read from npm's user agent (`npm/10.8.2 node/v20.20.2 …`):
 * `node` here is already the project's own Node 22 from node_modules/.bin.
 */
const agent = process.env.npm_config_user_agent ?? '';
const major = Number(/\bnode\/v(\d+)\./.exec(agent)?.[1]);
if (Number.isInteger(major) && major < 22) {
  console.log(
    `breakerbox: the EBADENGINE warnings above are expected on Node ${major}: breakerbox and its dev tools need Node 22, which this install added (node_modules/.bin/node); npm run and npx use it, and by hand run "npx node …". See README.md, "Node 20 vs 22".`,
  );
}
